/**
 * The two halves of authentication: an Entra-style client-credentials token endpoint, and the bearer check
 * ImmyBot's API applies to every request. Tokens are opaque random strings; the sandbox remembers each one it
 * issued with its expiry (in the state, so they outlive a restart like real Entra tokens do).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { emptyReply, jsonReply, mediaType, type Reply } from "./http";
import type { StateStore } from "./state";

export interface TokenRequest {
  method: string;
  /** The `{tenant}` segment of `/{tenant}/oauth2/v2.0/token`. */
  tenantInPath: string;
  contentType: string | undefined;
  body: Buffer;
}

export class TokenIssuer {
  /** Every access token issued by this process, oldest first (revoked and expired ones included). */
  readonly issued: string[] = [];

  constructor(
    private readonly store: StateStore,
    /** The App ID URI of the instance: the sandbox's origin, as `https://{instance}.immy.bot` is for ImmyBot. */
    private readonly resource: string,
    private readonly lifetimeSeconds: number,
    private readonly now: () => Date,
  ) {}

  /** Answers one request to the token endpoint the way Entra does, error codes included. */
  issue(req: TokenRequest): Reply {
    const { azureTenantId, clientId, clientSecret } = this.store.state.credentials;
    if (req.method.toUpperCase() !== "POST") {
      return entraError(400, "invalid_request", 900561, `The endpoint only accepts POST, OPTIONS requests. Received a ${req.method.toUpperCase()} request.`);
    }
    if (req.tenantInPath.toLowerCase() !== azureTenantId.toLowerCase()) {
      return entraError(400, "invalid_request", 90002, `Tenant '${req.tenantInPath}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    }
    // Entra only reads a form body; anything else looks like a request without parameters.
    const form = mediaType(req.contentType) === "application/x-www-form-urlencoded" ? new URLSearchParams(req.body.toString("utf8")) : new URLSearchParams();
    const missing = (name: string): Reply =>
      entraError(400, "invalid_request", 900144, `The request body must contain the following parameter: '${name}'.`);

    const grantType = form.get("grant_type");
    if (!grantType) return missing("grant_type");
    if (grantType !== "client_credentials") {
      return entraError(400, "unsupported_grant_type", 70003, `The app requested an unsupported grant type '${grantType}'.`);
    }
    const requestedClient = form.get("client_id");
    if (!requestedClient) return missing("client_id");
    if (requestedClient.toLowerCase() !== clientId.toLowerCase()) {
      return entraError(400, "unauthorized_client", 700016, `Application with identifier '${requestedClient}' was not found in the directory '${azureTenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`);
    }
    const scopeProblem = this.scopeProblem(form.get("scope"));
    if (scopeProblem) return scopeProblem;
    const secret = form.get("client_secret");
    if (!secret) {
      return entraError(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    if (secret !== clientSecret) {
      return entraError(401, "invalid_client", 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
    }
    return this.newToken();
  }

  /** ImmyBot's App ID URI is the instance URL, so the only valid scope is `{origin}/.default`. */
  private scopeProblem(scope: string | null): Reply | undefined {
    if (!scope) return entraError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.");
    if (!scope.trim().endsWith("/.default")) {
      return entraError(400, "invalid_scope", 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
    }
    const resource = scope.trim().slice(0, -"/.default".length);
    if (resource.toLowerCase() !== this.resource.toLowerCase()) {
      return entraError(400, "invalid_resource", 500011, `The resource principal named ${resource} was not found in the tenant named ${this.store.state.credentials.azureTenantId}. The only resource here is ${this.resource}; request scope ${this.resource}/.default.`);
    }
    return undefined;
  }

  private newToken(): Reply {
    const now = this.now().getTime();
    const tokens = this.store.state.tokens;
    for (const [token, expiry] of Object.entries(tokens)) if (expiry <= now) delete tokens[token];
    const accessToken = randomBytes(32).toString("base64url");
    tokens[accessToken] = now + this.lifetimeSeconds * 1000;
    this.issued.push(accessToken);
    this.store.commit();
    return jsonReply(
      200,
      { token_type: "Bearer", expires_in: this.lifetimeSeconds, ext_expires_in: this.lifetimeSeconds, access_token: accessToken },
      { "cache-control": "no-store, no-cache", pragma: "no-cache" },
    );
  }

  /**
   * The API's bearer check: undefined when the Authorization header carries a live token, else the 401 ASP.NET's
   * JwtBearer handler sends (empty body, a WWW-Authenticate challenge that starts with "Bearer").
   */
  authenticate(authorization: string | undefined): Reply | undefined {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!m) return emptyReply(401, { "www-authenticate": "Bearer" });
    const expiry = this.store.state.tokens[m[1]!];
    if (expiry === undefined) return emptyReply(401, { "www-authenticate": 'Bearer error="invalid_token"' });
    if (expiry <= this.now().getTime()) {
      const at = new Date(expiry).toUTCString();
      return emptyReply(401, { "www-authenticate": `Bearer error="invalid_token", error_description="The token expired at '${at}'"` });
    }
    return undefined;
  }

  /** Forgets every issued token: the next API call with any of them gets a 401. */
  revokeAll(): void {
    this.store.state.tokens = {};
    this.store.commit();
  }
}

/** Entra's error body: a code, a description with trace data, and the AADSTS number on its own. */
function entraError(status: number, error: string, code: number, description: string): Reply {
  const timestamp = new Date().toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
  const traceId = randomUUID();
  const correlationId = randomUUID();
  return jsonReply(status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });
}
