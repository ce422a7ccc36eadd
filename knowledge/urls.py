from django.urls import path

from knowledge import views

urlpatterns = [
    path("", views.article_list, name="article_list"),
    path("articles/<slug:slug>/", views.article_detail, name="article_detail"),
    path("suggest/", views.article_suggest, name="article_suggest"),
    path("releases/", views.release_note_list, name="release_note_list"),
]
