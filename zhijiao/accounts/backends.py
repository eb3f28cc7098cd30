from django.contrib.auth.backends import ModelBackend


class AccountOrPhoneBackend(ModelBackend):
    """Django's backend, accepting the account name or the phone number (used by the admin site, /ops/admin/).

    Goes through the same throttled, audited login as the login page and the API (accounts/throttle.py).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        from zhijiao.accounts.actions import LoginError, login_attempt
        from zhijiao.accounts.throttle import LoginClient, login_client

        client = login_client(request) if request is not None else LoginClient()
        try:
            user = login_attempt(identifier=username or kwargs.get("phone") or "", password=password or "",
                                 client=client)
        except LoginError:
            return None
        return user if self.user_can_authenticate(user) else None
