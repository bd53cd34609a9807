"""Technical administration: questionnaires only. People are never listed here, so that
every read of a person's record goes through the journaled pages."""

from django.contrib import admin

from .models import Choice, Level, Question, Questionnaire


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ("position", "text", "help_text")


class LevelInline(admin.TabularInline):
    model = Level
    extra = 0
    fields = ("code", "label", "min_score", "suggested_cheques", "suggests_handover")


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ("version", "title", "is_published", "is_current", "published_at")
    inlines = [QuestionInline, LevelInline]

    def has_change_permission(self, request, obj=None):
        # Published versions are frozen; drafts are edited in the application.
        return obj is None or not obj.is_published


@admin.register(Choice)
class ChoiceAdmin(admin.ModelAdmin):
    list_display = ("question", "label", "score")
    list_select_related = ("question",)
