from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group

from crm.admin_versions import VersionedAdmin
from crm.models import Contact, Team, User

# Every change form of the admin carries the version it was read at, and add forms of rows with a
# creation token are idempotent (see crm.admin_versions): also Django's own Group.
admin.site.unregister(Group)


@admin.register(Group)
class CrmGroupAdmin(VersionedAdmin, GroupAdmin):
    pass


@admin.register(User)
class CrmUserAdmin(VersionedAdmin, UserAdmin):
    fieldsets = UserAdmin.fieldsets + ((None, {"fields": ("role",)}),)
    add_fieldsets = UserAdmin.add_fieldsets + ((None, {"fields": ("role",)}),)
    # Recorded by the system: a login while an admin edits the user is not an edit to refuse or revert.
    readonly_fields = ("last_login", "date_joined")
    list_display = ("username", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active")


@admin.register(Team)
class TeamAdmin(VersionedAdmin, admin.ModelAdmin):
    list_display = ("name", "manager")
    filter_horizontal = ("members",)


@admin.register(Contact)
class ContactAdmin(VersionedAdmin, admin.ModelAdmin):
    list_display = ("name", "kind", "owner", "email")
    list_filter = ("kind",)
    search_fields = ("name", "email")
    raw_id_fields = ("organisation", "owner")
