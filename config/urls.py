from django.contrib import admin
from django.urls import include, path

from lantern.core import language
from lantern.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("language", language.choose_language, name="choose_language"),
    # The FHIR API early, so an app's request is resolved without trying every page's routes
    # first (its resource types start with a capital letter: SMART's discovery under /fhir/r4/
    # still resolves below).
    path("fhir/r4/", include("lantern.fhir_api.urls")),
    path("", include("lantern.home.urls")),
    path("", include("lantern.results.urls")),
    path("", include("lantern.messaging.urls")),
    path("", include("lantern.accounts.urls")),
    path("", include("lantern.enrollment.urls")),
    path("two-factor/", include("lantern.mfa.urls")),
    # SMART discovery (also under /fhir/r4/), connected apps and the app registry: before the
    # staff console's and the FHIR API's own routes.
    path("", include("lantern.fhir_api.smart_urls")),
    path("staff/", include("lantern.staff.urls")),
    path("", include("lantern.downloads.urls")),
    path("", include("lantern.record.urls")),
    path("", include("lantern.appointments.urls")),
    path("", include("lantern.audit.urls")),
    path("", include("lantern.family.urls")),
    path("", include("lantern.refills.urls")),
    path("", include("lantern.hl7v2.urls")),
    path("", include("lantern.pages.urls")),
    path("", include("lantern.support.urls")),
    path("", include("lantern.webapp.urls")),
    path("oauth/", include("lantern.fhir_api.oauth_urls")),
    path("admin/", admin.site.urls),
]

# Error pages in the frame of the person asking: a signed-in patient keeps the menu.
handler404 = "lantern.pages.views.page_not_found"
handler403 = "lantern.pages.views.permission_denied"
