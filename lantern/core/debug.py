"""What Django's error reports may show of the settings and the request's environment.

With DEBUG on (never in production, but it happens) the error page lists every setting and, under
`runserver`, every environment variable. Django already masks names with PASS, SECRET, TOKEN, KEY
and the like; Lantern's configuration also arrives as URLs that carry a user name and password
(DATABASE_URL, EMAIL_URL, REDIS_URL) and a cache LOCATION copied from one, so those are masked too,
and so is any value that looks like a URL with a password in it, whatever its name.
"""

from __future__ import annotations

import re
from typing import Any

from django.views.debug import SafeExceptionReporterFilter

# A URL's user information with a password: scheme://user:password@host.
_URL_WITH_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s@]*:[^/\s@]*@", re.IGNORECASE)


class ExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter, plus `*_URL`, `*DSN*` and cache `LOCATION` names and URLs with passwords.

    Set as DEFAULT_EXCEPTION_REPORTER_FILTER; it also serves the error emails to ADMINS.
    """

    hidden_settings = re.compile(
        r"API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|URL$|DSN|LOCATION",
        flags=re.IGNORECASE,
    )

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        if isinstance(value, str) and _URL_WITH_PASSWORD.search(value):
            return self.cleansed_substitute
        return super().cleanse_setting(key, value)
