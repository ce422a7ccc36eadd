from django.urls import path

from surveys import views
from tickets import converters

converters.register()

urlpatterns = [
    path("<ref:reference>/", views.survey_answer, name="survey_answer"),
    # The resolution email's signed one-click links (surveys.links): no sign-in.
    path("answer/<str:token>/", views.survey_comment, name="survey_comment"),
    path("answer/<str:token>/<str:rating>/", views.survey_link, name="survey_link"),
]
