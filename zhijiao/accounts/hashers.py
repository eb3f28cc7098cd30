from django.contrib.auth.hashers import Argon2PasswordHasher


class DistrictArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's recommended floor (19 MiB, 2 passes, 1 lane) rather than Django's 100 MiB x 8 lanes.

    A district's morning login peak runs on one small server: Django's defaults cost ~5x more CPU and
    memory per login for little extra protection against an offline attack. Hashes made with other
    parameters are upgraded on the next successful login.
    """

    time_cost = 2
    memory_cost = 19456
    parallelism = 1
