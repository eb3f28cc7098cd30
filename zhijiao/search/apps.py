from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "zhijiao.search"
