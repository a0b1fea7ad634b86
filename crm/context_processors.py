from crm.panels import nav_entries


def navigation(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"nav_entries": []}
    return {"nav_entries": nav_entries(request)}
