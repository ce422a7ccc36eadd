from accounts import permissions


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "current_organization": getattr(request, "organization", None),
        "is_staff_member": permissions.is_staff_member(user),
        "is_manager": permissions.is_manager(user),
        "is_customer_admin": permissions.is_customer_admin(user),
        "viewer_timezone": getattr(request, "viewer_timezone", ""),
    }
