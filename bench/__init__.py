"""
`make bench`: a scale dataset in its own PostgreSQL database and the
measurements issue 9 asks for (see docs/scaling.md). Nothing here is
imported by the application.
"""
