"""A real OpenID Connect provider on loopback, for the single sign-on tests.

Built on Authlib's server classes (Flask integration), as a city's identity provider would
answer: discovery, the authorization-code flow with PKCE (S256) required of every client, a
nonce, an RS256-signed ID token, JWKS and an end-session endpoint. People sign in by typing
their e-mail on its page (the tests own every account); its own session cookie remembers them
until the end-session endpoint ends it.

A test can make it misbehave as a broken or hostile provider would: an ID token for another
audience, or one signed with a key its JWKS does not publish.
"""

from __future__ import annotations

import html
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, jsonify, make_response, redirect, request
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

SESSION_COOKIE = "provider_session"
SCOPES = ("openid", "email", "profile")


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in scope.split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Person:
    email: str
    name: str
    sub: str = field(default_factory=lambda: secrets.token_hex(8))


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    person: Person
    nonce: str | None
    code_challenge: str
    code_challenge_method: str
    auth_time: int

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str:
        return ""

    def get_amr(self) -> list[str]:
        return []


class RequiredS256(CodeChallenge):
    """PKCE for every client, confidential ones too, and only with S256."""

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE with S256 is required", redirect_uri=redirect_uri)
        super().validate_code_challenge(grant, redirect_uri)


class OidcProvider:
    """The provider's state: its client, people, codes, sessions and keys."""

    def __init__(self, client_id: str, client_secret: str, redirect_uris: list[str]) -> None:
        self.client = Client(client_id, client_secret, redirect_uris)
        self.people: dict[str, Person] = {}
        self.codes: dict[str, Code] = {}
        self.sessions: dict[str, Person] = {}
        self.nonces: set[str] = set()
        self.signing_key = RSAKey.generate_key(2048, parameters={"kid": "hub-test-1"})
        # The same kid, another key: a token signed with it fails the signature check.
        self.forged_key = RSAKey.generate_key(2048, parameters={"kid": "hub-test-1"})
        self.misbehaviour: str | None = None  # "wrong-audience" | "wrong-signature"
        self.token_requests = 0
        self.pkce_verified = 0
        self.ended_sessions = 0
        self.issuer = ""

    def add_person(self, email: str, name: str) -> Person:
        person = Person(email, name)
        self.people[email.lower()] = person
        return person

    def app(self) -> Flask:
        app = Flask("oidc_provider")
        server = AuthorizationServer(
            app, query_client=self._query_client, save_token=lambda token, request: None
        )
        provider = self

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ("client_secret_basic", "client_secret_post")

            def save_authorization_code(self, code, req):
                data = req.payload.data
                provider.codes[code] = Code(
                    code=code,
                    client_id=req.client.client_id,
                    redirect_uri=req.payload.redirect_uri,
                    scope=req.scope,
                    person=req.user,
                    nonce=data.get("nonce"),
                    code_challenge=data["code_challenge"],
                    code_challenge_method=data["code_challenge_method"],
                    auth_time=int(time.time()),
                )
                if data.get("nonce"):
                    provider.nonces.add(data["nonce"])

            def query_authorization_code(self, code, client):
                item = provider.codes.get(code)
                return item if item and item.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code):
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code):
                return authorization_code.person

        class Challenge(RequiredS256):
            def get_authorization_code_challenge(self, authorization_code):
                return authorization_code.code_challenge

            def get_authorization_code_challenge_method(self, authorization_code):
                return authorization_code.code_challenge_method

            def validate_code_verifier(self, grant, result):
                super().validate_code_verifier(grant, result)
                provider.pkce_verified += 1

        class IdToken(OpenIDCode):
            def exists_nonce(self, nonce, req):
                return nonce in provider.nonces

            def resolve_client_private_key(self, client):
                if provider.misbehaviour == "wrong-signature":
                    return provider.forged_key
                return provider.signing_key

            def get_client_algorithm(self, client):
                return "RS256"

            def get_encode_header(self, client):
                return {"alg": "RS256", "kid": "hub-test-1"}

            def get_client_claims(self, client):
                audience = client.get_client_id()
                if provider.misbehaviour == "wrong-audience":
                    audience = "another-application"
                return {"iss": provider.issuer, "aud": [audience]}

            def generate_user_info(self, user, scope):
                return UserInfo(sub=user.sub, email=user.email, name=user.name)

        server.register_grant(CodeGrant, [IdToken(require_nonce=True), Challenge()])

        @app.get("/.well-known/openid-configuration")
        def discovery():
            base = provider.issuer
            return jsonify(
                issuer=base,
                authorization_endpoint=f"{base}/authorize",
                token_endpoint=f"{base}/token",
                jwks_uri=f"{base}/jwks",
                end_session_endpoint=f"{base}/logout",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                scopes_supported=list(SCOPES),
                token_endpoint_auth_methods_supported=[
                    "client_secret_basic",
                    "client_secret_post",
                ],
                code_challenge_methods_supported=["S256"],
                claims_supported=["sub", "email", "name", "nonce"],
            )

        @app.get("/jwks")
        def jwks():
            return jsonify(keys=[provider.signing_key.as_dict(private=False)])

        @app.route("/authorize", methods=["GET", "POST"])
        def authorize():
            signed_in = provider.sessions.get(request.cookies.get(SESSION_COOKIE, ""))
            if request.method == "GET":
                try:
                    server.get_consent_grant(end_user=signed_in)
                except Exception as exc:  # answered as a page, as a real provider does
                    return f"<p>Invalid request: {html.escape(str(exc))}</p>", 400
                return _sign_in_page(request.query_string.decode(), signed_in)
            person = signed_in
            if request.form.get("email"):
                person = provider.people.get(request.form["email"].strip().lower())
            grant = server.get_consent_grant(end_user=person)
            if request.form.get("decision") == "deny":
                return server.create_authorization_response(grant=grant, grant_user=None)
            if person is None:
                page = _sign_in_page(request.query_string.decode(), None, unknown=True)
                return page, 200
            response = server.create_authorization_response(grant=grant, grant_user=person)
            session_id = secrets.token_urlsafe(16)
            provider.sessions[session_id] = person
            response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="Lax")
            return response

        @app.post("/token")
        def token():
            provider.token_requests += 1
            return server.create_token_response()

        @app.get("/logout")
        def logout():
            ended = provider.sessions.pop(request.cookies.get(SESSION_COOKIE, ""), None)
            if ended is not None:
                provider.ended_sessions += 1
            target = request.args.get("post_logout_redirect_uri", "")
            if target in provider.client.redirect_uris:
                response = redirect(target)
            else:
                response = make_response("<p>You are signed out.</p>")
            response.delete_cookie(SESSION_COOKIE)
            return response

        return app

    def _query_client(self, client_id: str) -> Client | None:
        return self.client if client_id == self.client.client_id else None


def _sign_in_page(query: str, signed_in: Person | None, *, unknown: bool = False) -> str:
    action = "/authorize?" + query if query else "/authorize"
    action = html.escape(action)
    if signed_in is not None:
        who = html.escape(signed_in.email)
        chooser = (
            f'<p>Signed in as {who}.</p><button name="decision" value="continue">'
            f"Continue as {who}</button>"
        )
    else:
        chooser = ""
    problem = "<p role='alert'>No account with that e-mail.</p>" if unknown else ""
    return (
        "<!doctype html><title>City sign-in</title><h1>City sign-in</h1>"
        f"{problem}<form method='post' action='{action}'>{chooser}"
        "<label>E-mail <input name='email' type='email'></label>"
        "<button name='decision' value='sign-in'>Sign in</button>"
        "<button name='decision' value='deny'>Deny</button></form>"
    )


@contextmanager
def running_provider(
    client_id: str, client_secret: str, redirect_uris: list[str]
) -> Iterator[OidcProvider]:
    """Serve a provider on a free loopback port in this process, for the test's length."""
    provider = OidcProvider(client_id, client_secret, redirect_uris)
    server = make_server("127.0.0.1", 0, provider.app(), threaded=True)
    provider.issuer = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        thread.join(timeout=10)
