def username_of_attempt(request, credentials) -> str:
    """
    The email address a sign-in attempt was for. allauth authenticates with
    `email=`, the admin with `username=`; the form field is `login`.
    """
    credentials = credentials or {}
    value = (
        credentials.get("email")
        or credentials.get("username")
        or (request.POST.get("login") if request is not None else "")
        or ""
    )
    return value.strip().lower()
