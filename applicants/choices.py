"""Reference lists about organisations, shared by rounds, grants and reports."""

from django.db import models


class LegalStructure(models.TextChoices):
    REGISTERED_CHARITY = "registered_charity", "Registered charity"
    CIO = "cio", "Charitable incorporated organisation (CIO)"
    COMPANY_LIMITED_BY_GUARANTEE = "clg", "Company limited by guarantee"
    CIC = "cic", "Community interest company (CIC)"
    COMMUNITY_BENEFIT_SOCIETY = "cbs", "Community benefit society or co-operative"
    UNINCORPORATED = "unincorporated", "Unincorporated association or community group"
    FAITH_GROUP = "faith_group", "Faith group"
    TOWN_OR_PARISH_COUNCIL = "parish_council", "Town or parish council"
    OTHER = "other", "Other"


# Structures that must give a charity or company number.
STRUCTURES_NEEDING_CHARITY_NUMBER = {LegalStructure.REGISTERED_CHARITY, LegalStructure.CIO}
STRUCTURES_NEEDING_COMPANY_NUMBER = {
    LegalStructure.COMPANY_LIMITED_BY_GUARANTEE,
    LegalStructure.CIC,
}


class District(models.TextChoices):
    """The seven districts of Leicestershire, stored as their ONS codes."""

    BLABY = "E07000129", "Blaby"
    CHARNWOOD = "E07000130", "Charnwood"
    HARBOROUGH = "E07000131", "Harborough"
    HINCKLEY_AND_BOSWORTH = "E07000132", "Hinckley and Bosworth"
    MELTON = "E07000133", "Melton"
    NORTH_WEST_LEICESTERSHIRE = "E07000134", "North West Leicestershire"
    OADBY_AND_WIGSTON = "E07000135", "Oadby and Wigston"
    # The county's own ONS code stands for organisations serving all of it.
    COUNTY_WIDE = "E10000018", "County-wide"


class MembershipRole(models.TextChoices):
    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


class AlternativeFormat(models.TextChoices):
    """Formats the council offers information in, on request."""

    LARGE_PRINT = "large_print", "Large print"
    BRAILLE = "braille", "Braille"
    AUDIO = "audio", "Audio"
    ANOTHER_LANGUAGE = "another_language", "Another language"


class ContactMethod(models.TextChoices):
    EMAIL = "email", "Email"
    TELEPHONE = "telephone", "Telephone"
    POST = "post", "Post"
