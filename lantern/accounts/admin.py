from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class LanternUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Patient record", {"fields": ("patient",)}))
    raw_id_fields = ("patient",)
