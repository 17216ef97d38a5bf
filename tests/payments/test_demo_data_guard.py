import io

import pytest
from django.core.management import CommandError, call_command

from rounds.models import Programme


def test_demo_data_is_refused_with_production_settings(settings, db):
    settings.SETTINGS_MODULE = "config.settings.production"

    with pytest.raises(CommandError, match="production settings"):
        call_command("load_demo_data", stdout=io.StringIO())

    assert not Programme.objects.filter(code="CF").exists()
