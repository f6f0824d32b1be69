from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from members.models import Member, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_active")


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("full_name", "phone", "email", "user", "created_at")
    search_fields = ("full_name", "phone", "email", "user__username")
    list_filter = (("user", admin.EmptyFieldListFilter), "created_at")
    ordering = ("full_name",)
    autocomplete_fields = ("user",)
    readonly_fields = ("created_at", "updated_at")
    list_select_related = ("user",)
    fieldsets = (
        (None, {"fields": ("full_name", "phone", "email", "user")}),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )
