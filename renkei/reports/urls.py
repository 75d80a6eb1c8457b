from django.urls import path, register_converter

from renkei.reports import views


class MonthConverter:
    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(MonthConverter, "month")

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("report.css", views.report_css, name="style"),
    path("quarterly/<month:quarter>/", views.quarterly, name="quarterly"),
    path("quarterly/<month:quarter>/report.<str:fmt>", views.download, name="download"),
    path("quarterly/<month:quarter>/notes/", views.note_save, name="note_save"),
]
