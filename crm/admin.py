from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from crm.models import Contact, Team, User


@admin.register(User)
class CrmUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + ((None, {"fields": ("role",)}),)
    add_fieldsets = UserAdmin.add_fieldsets + ((None, {"fields": ("role",)}),)
    list_display = ("username", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "manager")
    filter_horizontal = ("members",)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "owner", "email")
    list_filter = ("kind",)
    search_fields = ("name", "email")
    raw_id_fields = ("organisation", "owner")
