"""The web app's server side: the built single-page app and local GraphiQL (`pages`), browser
sessions by cookie (`sessions`), the CSRF rule for cookie-authenticated requests (`csrf`) and
the security headers on every response (`headers`).

`static/` is Vite's output (`cd web && npm ci && npm run build`), shipped inside the Python
package so that an installed server serves the app without Node; the source is `web/`.
"""

from __future__ import annotations

from api.web.headers import SecurityHeaders
from api.web.pages import STATIC_DIR, WithGraphiQL, page_routes
from api.web.sessions import session_routes

__all__ = ["STATIC_DIR", "SecurityHeaders", "WithGraphiQL", "page_routes", "session_routes"]
