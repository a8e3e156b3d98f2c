"""Authentication, roles → permissions, and the deny-by-default gate."""
from portal.auth.access import deny, login_only, public, require
from portal.auth.permissions import Perm, Role

__all__ = ["Perm", "Role", "deny", "login_only", "public", "require"]
