# The smallest Django project running Debian's python3-django-cas-server (a real CAS 2.0
# and 3.0 server) for cartable's tests; internal/ssotest writes it to a temporary
# directory and runs it with /usr/bin/python3. Its users, service pattern (any
# http://127.0.0.1:PORT/ service, single logout on) and released attributes come from
# the fixture ssotest generates from its Users. What varies comes from the environment:
#   CAS_DB      the SQLite database (a copy of a migrated template)
#   CAS_SECRET  Django SECRET_KEY (any string in tests)
import os
BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET_KEY = os.environ.get("CAS_SECRET", "test-only-not-secret")
DEBUG = False                       # True would leak tracebacks; the server still works with False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "cas_server",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
]
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
ROOT_URLCONF = "casdemo.urls"
DATABASES = {"default": {
    "ENGINE": "django.db.backends.sqlite3",
    "NAME": os.environ.get("CAS_DB", os.path.join(BASE_DIR, "cas.sqlite3")),
}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
LANGUAGE_CODE = "fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
# Fast hashing: test users only.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_NAME = "cas_sessionid"   # not to collide with cartable's cookies on 127.0.0.1
CSRF_COOKIE_NAME = "cas_csrftoken"

# --- cas_server ---
CAS_AUTH_CLASS = "cas_server.auth.DjangoAuthUser"   # users are Django users (fixture below)
CAS_NEW_VERSION_HTML_WARNING = False    # otherwise it queries PyPI (no network here)
CAS_NEW_VERSION_EMAIL_WARNING = False
CAS_SHOW_POWERED = False
CAS_TICKET_VALIDITY = 60                # seconds a service ticket may wait before validation
CAS_SLO_TIMEOUT = 2                     # seconds per SLO POST
CAS_INFO_MESSAGES_ORDER = []
# The login page links Bootstrap/jQuery from CDNs; without network Chromium just fails those loads.
CAS_COMPONENT_URLS = {k: "" for k in (
    "bootstrap3_css", "bootstrap3_js", "html5shiv", "respond",
    "bootstrap4_css", "bootstrap4_js", "jquery")}
LOGGING = {
    "version": 1, "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"cas_server": {"handlers": ["console"], "level": "INFO"}},
}
