"""Error codes of the workspaces domain (stable: clients match on them)."""

from relaydesk.errors import ErrorCode


class AuthError(ErrorCode):
    INVALID_CREDENTIALS = ("auth.invalid_credentials", 401, "Email or password is wrong")
    INVALID_TOKEN = ("auth.invalid_token", 401, "The access token or API key is not valid")
    TOKEN_EXPIRED = ("auth.token_expired", 401, "The access token has expired")
    SESSION_REVOKED = ("auth.session_revoked", 401, "This sign-in has ended; sign in again")
    INVALID_REFRESH_TOKEN = ("auth.invalid_refresh_token", 401, "The refresh token is not valid")
    REFRESH_TOKEN_REUSED = (
        "auth.refresh_token_reused",
        401,
        "The refresh token was already used; the sign-in was ended for safety",
    )
    API_KEY_REVOKED = ("auth.api_key_revoked", 401, "The API key was revoked or has expired")
    USER_REQUIRED = ("auth.user_required", 403, "This endpoint needs a signed-in user")
    SIGNUP_DISABLED = ("auth.signup_disabled", 403, "Sign-up is disabled on this server")
    EMAIL_TAKEN = ("auth.email_taken", 409, "An account with this email already exists")
    TOO_MANY_FAILURES = (
        "auth.too_many_failures",
        429,
        "Too many failed sign-in attempts; wait before trying again",
    )


class WorkspaceError(ErrorCode):
    PERMISSION_DENIED = ("workspaces.permission_denied", 403, "Your role does not allow this")
    LAST_OWNER = ("workspaces.last_owner", 409, "A workspace must keep at least one owner")
    ROLE_TOO_HIGH = (
        "workspaces.role_too_high",
        403,
        "You cannot grant a role or scope above your own",
    )
    ALREADY_MEMBER = ("workspaces.already_member", 409, "This person is already a member")
    INVITATION_INVALID = ("workspaces.invitation_invalid", 404, "The invitation was not found")
    INVITATION_EXPIRED = ("workspaces.invitation_expired", 410, "The invitation has expired")
    INVITATION_USED = ("workspaces.invitation_used", 410, "The invitation was already used")
    INVITATION_REVOKED = ("workspaces.invitation_revoked", 410, "The invitation was revoked")
    NAME_REQUIRED = ("workspaces.name_required", 422, "A name is needed to create the account")
    API_KEY_EXPIRY_PAST = ("workspaces.api_key_expiry_past", 422, "expires_at is in the past")
