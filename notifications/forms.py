from django import forms

from applicants.choices import MembershipRole

EDITING_ROLES = (MembershipRole.OWNER, MembershipRole.EDITOR)


class PreferencesForm(forms.Form):
    """
    One checkbox per organisation the person belongs to, and for owners and
    editors one for the organisation's "new round" alerts. Plain
    checkboxes: an unticked box is simply absent from the POST, so the page
    works without JavaScript.
    """

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.memberships = list(memberships)
        self.rows = []
        for membership in self.memberships:
            organisation = membership.organisation
            receives = f"receives_{membership.pk}"
            self.fields[receives] = forms.BooleanField(
                label=f"Email me reminders and updates about {organisation.name}'s grants",
                required=False,
                initial=membership.receives_notifications,
            )
            rounds = None
            if membership.role in EDITING_ROLES:
                rounds = f"rounds_{organisation.pk}"
                self.fields[rounds] = forms.BooleanField(
                    label=f"Tell {organisation.name} when a new grant round opens",
                    required=False,
                    initial=organisation.notify_new_rounds,
                )
            self.rows.append((membership, self[receives], self[rounds] if rounds else None))
