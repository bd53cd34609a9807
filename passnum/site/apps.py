from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "passnum.site"
    label = "site"
    verbose_name = "Site"
