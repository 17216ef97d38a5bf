from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed file names, including those inside JavaScript module imports."""

    support_js_module_import_aggregation = True
