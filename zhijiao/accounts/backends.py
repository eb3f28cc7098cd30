from django.contrib.auth.backends import ModelBackend

from zhijiao.accounts.selectors import find_login_user


class AccountOrPhoneBackend(ModelBackend):
    """Django's backend, accepting the account name or the phone number (used by the admin site)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = find_login_user(username or kwargs.get("phone") or "")
        if user is None or user.is_locked:
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
