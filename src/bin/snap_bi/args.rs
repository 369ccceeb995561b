//! The command line, as clap derive structs. Doc comments here are the
//! `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use snap_bi::explain::SignatureScheme;
use snap_bi::{BodyPolicy, EmptyBodyRule, SignatureEncoding, TimestampFormat};

/// Environment variable holding the client secret when `--client-secret-file` is absent.
pub(crate) const SECRET_ENV: &str = "SNAP_CLIENT_SECRET";
/// Environment variable holding the client id when `--client-id` is absent (`token b2b`).
pub(crate) const CLIENT_ID_ENV: &str = "SNAP_CLIENT_ID";
/// Environment variable holding the private key's path when `--private-key` is absent (`token b2b`).
pub(crate) const PRIVATE_KEY_ENV: &str = "SNAP_PRIVATE_KEY";
/// Environment variable holding the X-PARTNER-ID when `--partner-id` is absent (`request`).
pub(crate) const PARTNER_ID_ENV: &str = "SNAP_PARTNER_ID";
/// Environment variable holding the CHANNEL-ID when `--channel-id` is absent (`request`).
pub(crate) const CHANNEL_ID_ENV: &str = "SNAP_CHANNEL_ID";
/// Environment variable holding the B2B2C customer token when `--customer-token` is absent (`request`).
pub(crate) const CUSTOMER_TOKEN_ENV: &str = "SNAP_CUSTOMER_TOKEN";

/// Sign, verify, minify and explain Bank Indonesia SNAP API requests.
///
/// Secrets are never taken from the command line: the client secret comes
/// from `--client-secret-file` or `SNAP_CLIENT_SECRET`, private keys from PEM files.
///
/// Exit status: 0 ok / signature valid, 1 signature does not verify or the
/// provider refused (reason on stderr), 2 bad input (reason on stderr). The
/// last line of stdout is the result.
#[derive(Debug, Parser)]
#[command(
    name = "snap-bi",
    version,
    propagate_version = true,
    subcommand_required = true,
    arg_required_else_help = true,
    after_help = "Examples:\n  \
        snap-bi minify body.json\n  \
        SNAP_CLIENT_SECRET=... snap-bi sign symmetric --method POST --url /v1.0/qr/qr-mpm-generate \\\n      \
        --token \"$TOKEN\" --timestamp 2024-03-05T10:37:16+07:00 --body body.json --explain\n  \
        snap-bi sign token --client-id CLIENT --timestamp 2024-03-05T10:37:16+07:00 --private-key key.pem\n  \
        snap-bi verify asymmetric --method POST --url /v1.0/debit/notify --timestamp TS \\\n      \
        --body body.json --public-key provider.pem --signature \"$SIG\"\n  \
        SNAP_CLIENT_SECRET=... snap-bi explain --method POST --url /v1.0/qr/qr-mpm-query \\\n      \
        --headers-file captured-headers.txt --body body.json\n  \
        snap-bi token b2b --url http://127.0.0.1:8080/v1.0/access-token/b2b --client-id CLIENT \\\n      \
        --private-key key.pem --verbose\n  \
        snap-bi serve-mock --port 8080 --client-id CLIENT --public-key partner-public.pem \\\n      \
        --client-secret-file secret.txt\n  \
        SNAP_CLIENT_ID=CLIENT SNAP_PRIVATE_KEY=key.pem SNAP_CLIENT_SECRET=... snap-bi request \\\n      \
        --base-url http://127.0.0.1:8080 --method POST --path /v1.0/qr/qr-mpm-query --body body.json"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The top-level subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Minify a JSON body exactly as SNAP hashes it.
    ///
    /// Removes only the whitespace between JSON tokens; key order, escapes and
    /// number spellings are kept byte for byte. Prints the minified body as
    /// one line (an empty line for empty input). Invalid JSON exits 2 with the
    /// byte offset of the problem.
    Minify(MinifyArgs),
    /// Compute an X-SIGNATURE (printed as the last line of stdout).
    #[command(subcommand, subcommand_required = true, arg_required_else_help = true)]
    Sign(SignCommand),
    /// Check an X-SIGNATURE: prints `valid` and exits 0, or prints
    /// `invalid: <reason>` on stderr and exits 1.
    #[command(subcommand, subcommand_required = true, arg_required_else_help = true)]
    Verify(VerifyCommand),
    /// Explain why a captured request's X-SIGNATURE is rejected.
    ///
    /// Recomputes the signature under every known variant (EndpointUrl without
    /// the query or absolute, body raw or re-serialised by PHP/Go/JavaScript,
    /// empty-body rules, `Bearer ` in the token, re-formatted timestamps, hex
    /// encoding, the other scheme) and names what differs from the standard.
    /// Prints a table, then the verdict as the last line (or one JSON document
    /// with --json). Exit 0 when the signature is valid under the standard, 1
    /// when it only matches a non-standard variant or nothing, 2 on bad input.
    #[command(after_help = "Example:\n  \
        SNAP_CLIENT_SECRET=... snap-bi explain --method POST --url /snap/v1.0/qr/qr-mpm-query \\\n      \
        -H 'X-TIMESTAMP: 2024-09-10T13:24:42+07:00' -H \"X-SIGNATURE: $SIG\" \\\n      \
        -H \"Authorization: Bearer $TOKEN\" --body body.json")]
    Explain(ExplainArgs),
    /// Request an access token from a provider (prints it as the last line
    /// of stdout).
    #[command(subcommand, subcommand_required = true, arg_required_else_help = true)]
    Token(TokenCommand),
    /// Send a signed SNAP request, like curl: fetch a B2B token, sign, send,
    /// print the response body.
    ///
    /// Credentials come from the environment (or the matching flags):
    /// SNAP_CLIENT_ID, SNAP_PRIVATE_KEY (a PEM path, signs the token request
    /// and, for RSA-signing profiles such as dana, the request itself),
    /// SNAP_CLIENT_SECRET (or --client-secret-file; HMAC-signing profiles),
    /// SNAP_PARTNER_ID (default: the client id) and SNAP_CHANNEL_ID (default
    /// 95221). The token comes from --base-url plus --token-path, which
    /// defaults to the profile's B2B token path (/v1.0/access-token/b2b for
    /// aspi-standard, /snap/v1.0/access-token/b2b for paydia, …).
    ///
    /// Prints the response body (minified when it is JSON) as the last line
    /// of stdout. Exit 0 on a 2xx response, 1 on any other response or when
    /// the token is refused (responseCode and message on stderr) or the
    /// provider cannot be reached or TLS fails, 2 on bad input. https://
    /// URLs use the system's roots plus --cacert.
    #[command(after_help = "Example:\n  \
        export SNAP_CLIENT_ID=CLIENT SNAP_PRIVATE_KEY=key.pem SNAP_CLIENT_SECRET=...\n  \
        snap-bi request --base-url http://127.0.0.1:8080 --method POST \\\n      \
        --path /v1.0/qr/qr-mpm-generate --body generate.json --verbose")]
    Request(RequestCmdArgs),
    /// Run a mock SNAP provider on 127.0.0.1 until Ctrl-C / SIGTERM.
    ///
    /// Serves the B2B/B2B2C token endpoints and QRIS MPM generate, query,
    /// cancel and refund (verified: signature, token, timestamp window,
    /// X-EXTERNAL-ID replay) over an in-memory ledger, plus the unsigned test
    /// triggers POST /mock/qr-mpm-pay and /mock/qr-mpm-fail
    /// ({"originalReferenceNo":"…"}) that mark a payment paid or failed and
    /// send the signed notification to --notify-url. Every rejection says
    /// what was wrong.
    ///
    /// The first line of stdout is `listening on 127.0.0.1:PORT`. The client
    /// secret comes from --client-secret-file, else SNAP_CLIENT_SECRET.
    /// Exit 0 after a signal, 1 when the port cannot be bound, 2 on bad input.
    #[command(after_help = "Example:\n  \
        snap-bi serve-mock --port 0 --client-id CLIENT --public-key partner-public.pem \\\n      \
        --client-secret-file secret.txt --prefix /snap\n\n\
        Config file (JSON; relative paths are resolved against its directory; flags win):\n  \
        {\"partners\": [{\"partnerId\": \"P2\", \"clientId\": \"C2\", \"publicKey\": \"p2.pem\",\n                 \
        \"clientSecretFile\": \"p2-secret.txt\"}],\n   \
        \"prefix\": \"/snap\", \"profile\": \"paydia\",\n   \
        \"notifyUrl\": \"http://127.0.0.1:9000/v1.0/qr/qr-mpm-notify\", \"notifyKey\": \"pjp-private.pem\"}")]
    ServeMock(ServeMockArgs),
    /// Payments, the same for every provider (Paydia SNAP, KiriminAja, Fazz).
    #[command(subcommand, subcommand_required = true, arg_required_else_help = true)]
    Payment(PaymentCommand),
    /// Provider callbacks and webhooks (Fazz, KiriminAja).
    #[command(subcommand, subcommand_required = true, arg_required_else_help = true)]
    Callback(CallbackCommand),
    /// Render a QRIS payload as a QR code to scan.
    #[command(subcommand, subcommand_required = true, arg_required_else_help = true)]
    Qr(QrCommand),
}

/// `snap-bi qr …`.
#[derive(Debug, Subcommand)]
pub(crate) enum QrCommand {
    /// Render a QRIS payload (the `qrContent` of a generate response) as
    /// terminal text, SVG or PNG.
    ///
    /// The payload's EMVCo CRC (tag 63) is checked first: a wrong CRC exits
    /// 2 naming the expected and the found CRC, and nothing is rendered.
    /// Text and SVG go to stdout (or --output); PNG needs --output, or goes
    /// to stdout as bytes when stdout is not a terminal.
    #[command(after_help = "Example:\n  \
        snap-bi qr render \"$QR_CONTENT\" --format svg --output qr.svg")]
    Render(QrRenderArgs),
}

/// `snap-bi qr render`.
#[derive(Debug, Args)]
pub(crate) struct QrRenderArgs {
    /// The QRIS payload; read from standard input when absent (trailing
    /// newline ignored).
    #[arg(value_name = "PAYLOAD")]
    pub(crate) payload: Option<String>,
    /// Output format.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = QrFormatArg::Text)]
    pub(crate) format: QrFormatArg,
    /// Write to this file instead of stdout (then stdout's last line is the
    /// file's path).
    #[arg(long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

/// `--format` values of `qr render`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum QrFormatArg {
    /// Unicode half blocks for a terminal (light on dark).
    Text,
    /// An SVG document.
    Svg,
    /// A PNG image.
    Png,
}

/// `snap-bi request`.
#[derive(Debug, Args)]
pub(crate) struct RequestCmdArgs {
    /// The provider's base URL: `https://host[:port]` (or `http://` for a
    /// local mock), optionally with a path prefix (`https://host/snap`) that
    /// goes before --path and --token-path.
    #[arg(long, value_name = "URL")]
    pub(crate) base_url: String,
    /// HTTP method (upper-cased).
    #[arg(long, value_name = "M")]
    pub(crate) method: String,
    /// The request path plus query, appended to --base-url, e.g.
    /// `/v1.0/qr/qr-mpm-query`.
    #[arg(long, value_name = "PATH")]
    pub(crate) path: String,
    /// File holding the JSON request body (`-` for standard input). It is
    /// minified, and the minified bytes are hashed and sent. Without it the
    /// request has no body.
    #[arg(long, value_name = "FILE")]
    pub(crate) body: Option<PathBuf>,
    /// Provider preset: signature scheme, encoding, timestamp style, token
    /// path (aspi-standard, bca, bri, dana, doku, midtrans, paydia).
    #[arg(long, value_name = "NAME", default_value = "aspi-standard")]
    pub(crate) profile: String,
    /// The B2B token path, appended to --base-url. Defaults to the profile's.
    #[arg(long, value_name = "PATH")]
    pub(crate) token_path: Option<String>,
    /// The X-CLIENT-KEY (client ID). Read from SNAP_CLIENT_ID when absent.
    // Optional for clap so that a missing one is reported by `request`
    // itself, naming the environment variable too.
    #[arg(long, value_name = "ID", env = CLIENT_ID_ENV)]
    pub(crate) client_id: Option<String>,
    /// PEM file with the RSA private key. Read from SNAP_PRIVATE_KEY (a path)
    /// when absent.
    #[arg(long, value_name = "PEM", env = PRIVATE_KEY_ENV)]
    pub(crate) private_key: Option<PathBuf>,
    /// File holding the client secret (one trailing newline is ignored).
    /// Without it, SNAP_CLIENT_SECRET is used. Not needed by RSA-signing
    /// profiles (dana).
    #[arg(long = "client-secret-file", alias = "secret-file", value_name = "F")]
    pub(crate) secret_file: Option<PathBuf>,
    /// The X-PARTNER-ID. Read from SNAP_PARTNER_ID; defaults to the client ID.
    #[arg(long, value_name = "ID", env = PARTNER_ID_ENV)]
    pub(crate) partner_id: Option<String>,
    /// The CHANNEL-ID. Read from SNAP_CHANNEL_ID; defaults to 95221.
    #[arg(long, value_name = "ID", env = CHANNEL_ID_ENV, default_value = "95221")]
    pub(crate) channel_id: String,
    /// The B2B2C customer token, sent as Authorization-Customer in the
    /// profile's style: raw for paydia, `Bearer <token>` otherwise. Read
    /// from SNAP_CUSTOMER_TOKEN when absent.
    #[arg(
        long,
        value_name = "TOKEN",
        env = CUSTOMER_TOKEN_ENV,
        hide_env_values = true
    )]
    pub(crate) customer_token: Option<String>,
    /// An extra request header as `Name: value` (repeatable), e.g. a fixed
    /// `X-EXTERNAL-ID`. The signing headers are set by snap-bi.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub(crate) headers: Vec<String>,
    /// Give up after this many seconds (token and request together).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub(crate) timeout: u64,
    /// Print the headers actually sent (signature and tokens redacted), the
    /// string-to-sign of the sent request (token redacted unless --reveal)
    /// and the response status and headers to stderr.
    #[arg(long)]
    pub(crate) verbose: bool,
    /// Print the signed request as a curl command on stderr (every header,
    /// the exact body), then send it. Tokens and the signature are redacted
    /// unless --reveal, and the command then does not replay.
    #[arg(long)]
    pub(crate) print_curl: bool,
    /// Show the access token and the signature in --print-curl and in the
    /// --verbose string-to-sign. They are credentials: mind where the output
    /// goes.
    #[arg(long)]
    pub(crate) reveal: bool,
    /// Share the B2B token through this Redis (`redis://HOST:PORT/`):
    /// processes using the same store and client id send one token request
    /// between them. The token is stored there (it is a credential); if the
    /// store cannot be reached, this process fetches its own token.
    #[arg(long, value_name = "URL")]
    pub(crate) token_store: Option<String>,
    #[command(flatten)]
    pub(crate) tls: TlsArgs,
}

/// `snap-bi serve-mock`.
#[derive(Debug, Args)]
pub(crate) struct ServeMockArgs {
    /// Port on 127.0.0.1 (0 picks a free one; the first stdout line says
    /// which).
    #[arg(long, value_name = "P", default_value_t = 0)]
    pub(crate) port: u16,
    /// Client ID (X-CLIENT-KEY) of the partner to accept.
    #[arg(long, value_name = "ID", requires = "public_key")]
    pub(crate) client_id: Option<String>,
    /// The partner's X-PARTNER-ID (defaults to the client ID).
    #[arg(long, value_name = "ID", requires = "client_id")]
    pub(crate) partner_id: Option<String>,
    /// PEM file with the partner's RSA public key (verifies its token
    /// requests and, under RSA-signing profiles, its transactions).
    #[arg(long, value_name = "PEM", requires = "client_id")]
    pub(crate) public_key: Option<PathBuf>,
    /// File holding the partner's client secret (one trailing newline is
    /// ignored). Without it, SNAP_CLIENT_SECRET is used.
    #[arg(long, alias = "secret-file", value_name = "F", requires = "client_id")]
    pub(crate) client_secret_file: Option<PathBuf>,
    /// JSON config file with more partners and defaults for the options below.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Serve every standard path under this prefix (`/snap`: the query is
    /// `/snap/v1.0/qr/qr-mpm-query`).
    #[arg(long, value_name = "PATH")]
    pub(crate) prefix: Option<String>,
    /// Provider preset to verify with (aspi-standard, bca, bri, dana, doku,
    /// midtrans, paydia). Default aspi-standard.
    #[arg(long, value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// The merchant's notify URL (plain http) for payment notifications;
    /// needs --notify-key.
    #[arg(long, value_name = "URL")]
    pub(crate) notify_url: Option<String>,
    /// PEM file with the PJP's RSA private key signing notifications.
    #[arg(long, value_name = "PEM")]
    pub(crate) notify_key: Option<PathBuf>,
    /// Also serve KiriminAja's get_payment (and the legacy Instant GET),
    /// enforcing the API key in this file as the bearer value; the trigger
    /// POST /mock/kiriminaja/pay {"payment_id"} sends the webhook.
    #[arg(long, value_name = "F")]
    pub(crate) kiriminaja_api_key_file: Option<PathBuf>,
    /// Where KiriminAja webhooks go (plain http).
    #[arg(long, value_name = "URL")]
    pub(crate) kiriminaja_webhook_url: Option<String>,
    /// Also serve Fazz's /api/v4/payments, enforcing Basic with the API key
    /// in this file (needs --fazz-secret-key-file); the trigger
    /// POST /mock/fazz/pay {"id"} sends the signed callback.
    #[arg(long, value_name = "F", requires = "fazz_secret_key_file")]
    pub(crate) fazz_api_key_file: Option<PathBuf>,
    /// File holding the Fazz secret key (Basic password).
    #[arg(long, value_name = "F", requires = "fazz_api_key_file")]
    pub(crate) fazz_secret_key_file: Option<PathBuf>,
    /// Where Fazz callbacks go (plain http); needs --fazz-signing-secret-file.
    #[arg(long, value_name = "URL")]
    pub(crate) fazz_callback_url: Option<String>,
    /// File holding the signing secret of Fazz callbacks (HMAC-SHA256).
    #[arg(long, value_name = "F")]
    pub(crate) fazz_signing_secret_file: Option<PathBuf>,
    /// Keep replay protection (X-EXTERNAL-ID per partner per day) in this
    /// Redis (`redis://HOST:PORT/`): instances sharing it reject each
    /// other's replays. Redis unreachable: requests get 503xx00.
    #[arg(long, value_name = "URL")]
    pub(crate) replay_store: Option<String>,
    /// File with the secret (at least 32 bytes) the mock signs its access
    /// tokens with (HS256). Instances sharing it accept each other's
    /// tokens. Default: a random secret per process.
    #[arg(long, value_name = "F")]
    pub(crate) token_key_file: Option<PathBuf>,
}

/// `snap-bi token …`.
#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// Request a B2B access token (grantType client_credentials).
    ///
    /// POSTs the signed request (X-SIGNATURE = SHA256withRSA over
    /// clientId|X-TIMESTAMP) and prints the access token as the last line of
    /// stdout. Exit 0 on success, 1 when the provider refuses (its
    /// responseCode and message on stderr), cannot be reached or TLS
    /// fails, 2 on bad input.
    B2b(TokenB2bArgs),
    /// Request a B2B2C customer token (grantType AUTHORIZATION_CODE with
    /// --auth-code, or REFRESH_TOKEN with --refresh-token; the value's case
    /// follows the profile).
    ///
    /// Signed like the B2B token request. Prints the customer token as the
    /// last line of stdout (send it with `request --customer-token`). Exit 0
    /// on success, 1 when the provider refuses (its responseCode and message
    /// on stderr), cannot be reached or TLS fails, 2 on bad input.
    #[command(after_help = "Example:\n  \
        snap-bi token b2b2c --url http://127.0.0.1:8080/snap/v1.0/access-token/b2b2c \\\n      \
        --client-id CLIENT --private-key key.pem --auth-code CODE --profile paydia")]
    B2b2c(TokenB2b2cArgs),
}

/// `snap-bi token b2b2c`.
#[derive(Debug, Args)]
pub(crate) struct TokenB2b2cArgs {
    #[command(flatten)]
    pub(crate) common: TokenB2bArgs,
    /// The authorization code from the account-binding step.
    #[arg(
        long,
        value_name = "CODE",
        required_unless_present = "refresh_token",
        conflicts_with = "refresh_token"
    )]
    pub(crate) auth_code: Option<String>,
    /// A refresh token from an earlier B2B2C answer.
    #[arg(long, value_name = "TOKEN")]
    pub(crate) refresh_token: Option<String>,
}

/// `snap-bi token b2b`.
#[derive(Debug, Args)]
pub(crate) struct TokenB2bArgs {
    /// The full token endpoint URL, e.g.
    /// `http://127.0.0.1:8080/snap/v1.0/access-token/b2b`.
    #[arg(long, value_name = "URL")]
    pub(crate) url: String,
    /// The X-CLIENT-KEY (client ID). Read from SNAP_CLIENT_ID when absent.
    #[arg(long, value_name = "ID", env = CLIENT_ID_ENV)]
    pub(crate) client_id: String,
    /// PEM file with the RSA private key (PKCS#8 or PKCS#1, unencrypted, at
    /// least 2048 bits). Read from SNAP_PRIVATE_KEY (a path) when absent.
    #[arg(long, value_name = "PEM", env = PRIVATE_KEY_ENV)]
    pub(crate) private_key: PathBuf,
    /// Provider preset for the request's shape: grant field spelling,
    /// X-PARTNER-ID, timestamp style (aspi-standard, bca, bri, dana, doku,
    /// midtrans, paydia).
    #[arg(
        long,
        alias = "provider",
        value_name = "NAME",
        default_value = "aspi-standard"
    )]
    pub(crate) profile: String,
    /// X-TIMESTAMP layout; defaults to the profile's.
    #[arg(long, value_enum, value_name = "STYLE")]
    pub(crate) timestamp_style: Option<TimestampStyleArg>,
    /// X-PARTNER-ID to send when the profile expects one (defaults to the
    /// client ID).
    #[arg(long, value_name = "ID")]
    pub(crate) partner_id: Option<String>,
    /// Give up after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub(crate) timeout: u64,
    /// Print the request headers (signature redacted), the response status
    /// and the parsed expiry to stderr.
    #[arg(long)]
    pub(crate) verbose: bool,
    #[command(flatten)]
    pub(crate) tls: TlsArgs,
}

/// `--timestamp-style` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TimestampStyleArg {
    /// `2024-09-10T13:24:42+07:00` (the standard).
    JakartaSeconds,
    /// `2024-09-10T13:24:42.196+07:00`.
    JakartaMillis,
    /// `2024-09-10T06:24:42Z`.
    UtcSeconds,
    /// `2024-09-10T06:24:42.196Z`.
    UtcMillis,
}

impl From<TimestampStyleArg> for TimestampFormat {
    fn from(value: TimestampStyleArg) -> Self {
        match value {
            TimestampStyleArg::JakartaSeconds => Self::JakartaSeconds,
            TimestampStyleArg::JakartaMillis => Self::JakartaMillis,
            TimestampStyleArg::UtcSeconds => Self::UtcSeconds,
            TimestampStyleArg::UtcMillis => Self::UtcMillis,
        }
    }
}

/// `snap-bi minify`.
#[derive(Debug, Args)]
pub(crate) struct MinifyArgs {
    /// JSON file to minify; standard input when absent or `-`.
    #[arg(value_name = "FILE")]
    pub(crate) file: Option<PathBuf>,
}

/// `snap-bi sign …`.
#[derive(Debug, Subcommand)]
pub(crate) enum SignCommand {
    /// HMAC-SHA512 transaction signature, keyed with the client secret.
    ///
    /// String-to-sign: METHOD:EndpointUrl:AccessToken:sha256hex(minify(body)):Timestamp.
    /// The client secret is read from --client-secret-file, else from SNAP_CLIENT_SECRET.
    Symmetric(SignSymmetricArgs),
    /// SHA256withRSA transaction or notification signature.
    ///
    /// String-to-sign: METHOD:EndpointUrl:sha256hex(minify(body)):Timestamp.
    Asymmetric(SignAsymmetricArgs),
    /// SHA256withRSA access-token request signature.
    ///
    /// String-to-sign: clientId|Timestamp.
    Token(SignTokenArgs),
}

/// `snap-bi verify …`.
#[derive(Debug, Subcommand)]
pub(crate) enum VerifyCommand {
    /// Verify an HMAC-SHA512 transaction signature (base64 or hex).
    ///
    /// String-to-sign: METHOD:EndpointUrl:AccessToken:sha256hex(minify(body)):Timestamp.
    /// The client secret is read from --client-secret-file, else from SNAP_CLIENT_SECRET.
    Symmetric(VerifySymmetricArgs),
    /// Verify a SHA256withRSA transaction or notification signature (base64 or hex).
    ///
    /// String-to-sign: METHOD:EndpointUrl:sha256hex(minify(body)):Timestamp.
    Asymmetric(VerifyAsymmetricArgs),
    /// Verify a SHA256withRSA access-token request signature (base64 or hex).
    ///
    /// String-to-sign: clientId|Timestamp.
    Token(VerifyTokenArgs),
}

/// The signed parts of a transaction request, shared by the symmetric and
/// asymmetric subcommands.
#[derive(Debug, Args)]
pub(crate) struct RequestArgs {
    /// HTTP method; upper-cased before signing (SNAP methods are upper case).
    #[arg(long, value_name = "METHOD")]
    pub(crate) method: String,
    /// The EndpointUrl exactly as signed: path plus query (e.g.
    /// `/v1.0/transfer-va/report?startDate=2024-01-01`). Used unchanged.
    #[arg(long, value_name = "URL")]
    pub(crate) url: String,
    /// The X-TIMESTAMP header value, used byte for byte. When signing, `now`
    /// stands for the current time in the --profile's format (printed as a
    /// `timestamp:` line before the result, to send as X-TIMESTAMP).
    #[arg(long, value_name = "TS")]
    pub(crate) timestamp: String,
    /// File holding the request body (`-` for standard input). Without it the
    /// request has no body, which hashes as the empty string.
    #[arg(long, value_name = "FILE")]
    pub(crate) body: Option<PathBuf>,
    /// Hash the body bytes exactly as given, without validating or minifying them.
    #[arg(long)]
    pub(crate) raw_body: bool,
    /// What the body-hash field holds when there is no body.
    #[arg(long, value_enum, value_name = "RULE", default_value_t = EmptyBodyRuleArg::HashOfEmpty)]
    pub(crate) empty_body_rule: EmptyBodyRuleArg,
    /// Print `minified-body:`, `body-sha256:` and `string-to-sign:` lines
    /// before the result, to diff against a provider's sandbox. The
    /// string-to-sign includes the access token.
    #[arg(long)]
    pub(crate) explain: bool,
}

impl RequestArgs {
    /// How the body is turned into the hashed bytes.
    pub(crate) fn body_policy(&self) -> BodyPolicy {
        if self.raw_body {
            BodyPolicy::Raw
        } else {
            BodyPolicy::Minify
        }
    }
}

/// The inputs of a symmetric signature besides the request itself.
#[derive(Debug, Args)]
pub(crate) struct SymmetricArgs {
    #[command(flatten)]
    pub(crate) request: RequestArgs,
    /// The B2B access token, with or without `Bearer `. Prefer --token-file
    /// or SNAP_ACCESS_TOKEN: a value on the command line is visible to other
    /// local users (ps, /proc/PID/cmdline) and stays in the shell history.
    #[arg(
        long,
        value_name = "T",
        env = "SNAP_ACCESS_TOKEN",
        hide_env_values = true
    )]
    pub(crate) token: Option<String>,
    /// File holding the B2B access token (one trailing line break is
    /// ignored); takes precedence over --token and SNAP_ACCESS_TOKEN.
    #[arg(long, value_name = "F")]
    pub(crate) token_file: Option<PathBuf>,
    /// File holding the client secret (one trailing newline is ignored).
    /// Without it, the secret is read from SNAP_CLIENT_SECRET.
    #[arg(long = "client-secret-file", alias = "secret-file", value_name = "F")]
    pub(crate) secret_file: Option<PathBuf>,
}

/// `snap-bi sign symmetric`.
#[derive(Debug, Args)]
pub(crate) struct SignSymmetricArgs {
    #[command(flatten)]
    pub(crate) symmetric: SymmetricArgs,
    /// Signature encoding: base64 (the standard) or hex (BRI). Defaults to
    /// the --profile's.
    #[arg(long, value_enum, value_name = "ENC")]
    pub(crate) encoding: Option<EncodingArg>,
    #[command(flatten)]
    pub(crate) profile: SignProfileArgs,
}

/// The provider preset of a `sign` subcommand.
#[derive(Debug, Args)]
pub(crate) struct SignProfileArgs {
    /// Provider preset whose X-TIMESTAMP format `--timestamp now` uses
    /// (aspi-standard, bca, bri, dana, doku, midtrans, paydia).
    #[arg(long, value_name = "NAME", default_value = "aspi-standard")]
    pub(crate) profile: String,
}

/// `snap-bi verify symmetric`.
#[derive(Debug, Args)]
pub(crate) struct VerifySymmetricArgs {
    #[command(flatten)]
    pub(crate) symmetric: SymmetricArgs,
    /// Require the signature in this encoding; without it base64 and hex
    /// are both accepted.
    #[arg(long, value_enum, value_name = "ENC")]
    pub(crate) encoding: Option<EncodingArg>,
    /// The X-SIGNATURE value to check.
    #[arg(long, value_name = "SIG")]
    pub(crate) signature: String,
}

/// `snap-bi sign asymmetric`.
#[derive(Debug, Args)]
pub(crate) struct SignAsymmetricArgs {
    #[command(flatten)]
    pub(crate) request: RequestArgs,
    #[command(flatten)]
    pub(crate) profile: SignProfileArgs,
    /// PEM file with the RSA private key (PKCS#8 or PKCS#1, unencrypted, at
    /// least 2048 bits).
    #[arg(long, value_name = "PEM")]
    pub(crate) private_key: PathBuf,
}

/// `snap-bi verify asymmetric`.
#[derive(Debug, Args)]
pub(crate) struct VerifyAsymmetricArgs {
    #[command(flatten)]
    pub(crate) request: RequestArgs,
    #[command(flatten)]
    pub(crate) public_key: PublicKeyArgs,
    /// The X-SIGNATURE value to check.
    #[arg(long, value_name = "SIG")]
    pub(crate) signature: String,
}

/// A public key to verify with.
#[derive(Debug, Args)]
pub(crate) struct PublicKeyArgs {
    /// PEM file with the signer's RSA public key (SPKI or PKCS#1).
    #[arg(long, value_name = "PEM")]
    pub(crate) public_key: PathBuf,
    /// Accept 1024-bit public keys, which some sandboxes still use.
    #[arg(long)]
    pub(crate) allow_legacy_1024: bool,
}

/// The signed parts of an access-token request.
#[derive(Debug, Args)]
pub(crate) struct TokenArgs {
    /// The X-CLIENT-KEY (client ID).
    #[arg(long, value_name = "ID")]
    pub(crate) client_id: String,
    /// The X-TIMESTAMP header value, used byte for byte. When signing, `now`
    /// stands for the current time in the --profile's token timestamp format
    /// (printed as a `timestamp:` line before the result).
    #[arg(long, value_name = "TS")]
    pub(crate) timestamp: String,
    /// Print the `string-to-sign:` line before the result.
    #[arg(long)]
    pub(crate) explain: bool,
}

/// `snap-bi sign token`.
#[derive(Debug, Args)]
pub(crate) struct SignTokenArgs {
    #[command(flatten)]
    pub(crate) token: TokenArgs,
    #[command(flatten)]
    pub(crate) profile: SignProfileArgs,
    /// PEM file with the RSA private key (PKCS#8 or PKCS#1, unencrypted, at
    /// least 2048 bits).
    #[arg(long, value_name = "PEM")]
    pub(crate) private_key: PathBuf,
}

/// `snap-bi verify token`.
#[derive(Debug, Args)]
pub(crate) struct VerifyTokenArgs {
    #[command(flatten)]
    pub(crate) token: TokenArgs,
    #[command(flatten)]
    pub(crate) public_key: PublicKeyArgs,
    /// The X-SIGNATURE value to check.
    #[arg(long, value_name = "SIG")]
    pub(crate) signature: String,
}

/// `snap-bi explain`.
#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// HTTP method of the request; upper-cased (SNAP signs it upper case).
    /// Taken from the request line of --headers-file when absent.
    #[arg(long, value_name = "METHOD")]
    pub(crate) method: Option<String>,
    /// The request target as sent: `/path?query`, or `https://host/path?query`.
    /// Taken from the request line of --headers-file when absent.
    #[arg(long, value_name = "URL")]
    pub(crate) url: Option<String>,
    /// A request header as `Name: value` (repeatable). X-SIGNATURE and
    /// X-TIMESTAMP are required; Authorization carries the token of symmetric
    /// signatures, X-CLIENT-KEY the client id of token requests, Host the host
    /// of absolute-URL variants.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub(crate) headers: Vec<String>,
    /// File of `Name: value` header lines (blank lines, `#` comments and a
    /// leading request line skipped), or the whole output of `curl -v`: then
    /// only its `> ` request lines are read (`*`, `<`, `{ [n bytes data]`
    /// and response body lines are skipped).
    #[arg(long, value_name = "FILE")]
    pub(crate) headers_file: Option<PathBuf>,
    /// File holding the request body exactly as sent (`-` for standard input).
    /// Without it the request has no body.
    #[arg(long, value_name = "FILE")]
    pub(crate) body: Option<PathBuf>,
    /// File holding the client secret, for symmetric signatures (one trailing
    /// newline is ignored). Without it, SNAP_CLIENT_SECRET is used if set.
    #[arg(long = "client-secret-file", alias = "secret-file", value_name = "F")]
    pub(crate) secret_file: Option<PathBuf>,
    /// PEM file with the signer's RSA public key, for asymmetric transaction
    /// and access-token signatures.
    #[arg(long, value_name = "PEM")]
    pub(crate) public_key: Option<PathBuf>,
    /// Accept a 1024-bit public key.
    #[arg(long, requires = "public_key")]
    pub(crate) allow_legacy_1024: bool,
    /// Client id of an access-token request; defaults to the X-CLIENT-KEY header.
    #[arg(long, value_name = "ID")]
    pub(crate) client_id: Option<String>,
    /// The scheme the request should be signed with; by default it follows from
    /// the credentials given, the path and the profile.
    #[arg(long, value_enum, value_name = "SCHEME")]
    pub(crate) scheme: Option<SchemeArg>,
    /// Provider whose conventions count as standard: aspi-standard, bca, bri,
    /// dana, doku, midtrans or paydia.
    #[arg(long, value_name = "NAME", default_value = "aspi-standard")]
    pub(crate) profile: String,
    /// Print the diagnosis as one JSON document instead of the table.
    #[arg(long)]
    pub(crate) json: bool,
    /// The provider's string-to-sign (from its logs or support ticket), e.g.
    /// `POST:/v1.0/…:TOKEN:bodyhash:TIMESTAMP`: compared with ours field by
    /// field, naming the first field that differs. Needs no credentials.
    #[arg(long, value_name = "STRING")]
    pub(crate) their_string_to_sign: Option<String>,
}

/// `--scheme` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SchemeArg {
    /// HMAC-SHA512 over METHOD:EndpointUrl:AccessToken:bodyhash:Timestamp.
    Symmetric,
    /// SHA256withRSA over METHOD:EndpointUrl:bodyhash:Timestamp.
    Asymmetric,
    /// SHA256withRSA over clientId|Timestamp.
    Token,
}

impl From<SchemeArg> for SignatureScheme {
    fn from(value: SchemeArg) -> Self {
        match value {
            SchemeArg::Symmetric => Self::Symmetric,
            SchemeArg::Asymmetric => Self::Asymmetric,
            SchemeArg::Token => Self::Token,
        }
    }
}

/// `--encoding` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum EncodingArg {
    /// Standard base64 with padding.
    Base64,
    /// Lowercase hex.
    Hex,
}

impl From<EncodingArg> for SignatureEncoding {
    fn from(value: EncodingArg) -> Self {
        match value {
            EncodingArg::Base64 => Self::Base64,
            EncodingArg::Hex => Self::Hex,
        }
    }
}

/// `--empty-body-rule` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum EmptyBodyRuleArg {
    /// The SHA-256 of the empty string (the standard).
    HashOfEmpty,
    /// An empty field: `POST:/path:token::timestamp`.
    EmptySegment,
    /// No field at all: `POST:/path:token:timestamp`.
    DropSegment,
}

impl From<EmptyBodyRuleArg> for EmptyBodyRule {
    fn from(value: EmptyBodyRuleArg) -> Self {
        match value {
            EmptyBodyRuleArg::HashOfEmpty => Self::HashOfEmpty,
            EmptyBodyRuleArg::EmptySegment => Self::EmptySegment,
            EmptyBodyRuleArg::DropSegment => Self::DropSegment,
        }
    }
}

/// TLS options of every command that talks HTTP, with curl's names. There
/// is deliberately no `--insecure`.
#[derive(Debug, Args)]
#[command(next_help_heading = "TLS")]
pub(crate) struct TlsArgs {
    /// PEM file with CA certificates to trust in addition to the system's
    /// roots, e.g. a provider's sandbox CA.
    #[arg(long, value_name = "FILE")]
    pub(crate) cacert: Option<PathBuf>,
    /// PEM file with the client certificate (then any intermediates) to
    /// present when the provider requires mTLS. Needs --key.
    #[arg(long, value_name = "FILE", requires = "key")]
    pub(crate) cert: Option<PathBuf>,
    /// PEM file with the unencrypted private key of --cert (PKCS#8, PKCS#1
    /// or SEC1). Needs --cert.
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub(crate) key: Option<PathBuf>,
}

/// Environment variable holding the KiriminAja API key (`payment status`).
pub(crate) const KIRIMINAJA_API_KEY_ENV: &str = "KIRIMINAJA_API_KEY";
/// Environment variable holding the Fazz API key (`payment status`).
pub(crate) const FAZZ_API_KEY_ENV: &str = "FAZZ_API_KEY";
/// Environment variable holding the Fazz secret key (`payment status`).
pub(crate) const FAZZ_SECRET_KEY_ENV: &str = "FAZZ_SECRET_KEY";

/// A payment provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ProviderArg {
    /// Paydia (SNAP QRIS MPM).
    Paydia,
    /// KiriminAja (`get_payment`, not SNAP).
    Kiriminaja,
    /// Fazz / Xfers v4 (not SNAP).
    Fazz,
}

/// `snap-bi payment …`.
#[derive(Debug, Subcommand)]
pub(crate) enum PaymentCommand {
    /// Print one payment's status as one JSON line:
    /// {"provider","paymentId","status","providerStatus","amount","currency","qrContent","paidAt"}.
    ///
    /// `status` is one of pending, paid, settled, refunded, cancelled,
    /// expired, failed, unknown. Credentials: KIRIMINAJA_API_KEY
    /// (kiriminaja); FAZZ_API_KEY and FAZZ_SECRET_KEY (fazz); for paydia the
    /// SNAP_* variables of `snap-bi request` (SNAP_CLIENT_ID,
    /// SNAP_PRIVATE_KEY, SNAP_CLIENT_SECRET, SNAP_PARTNER_ID, SNAP_CHANNEL_ID)
    /// and, for a B2B2C account, --customer-token. Paydia's payment id is the
    /// provider's referenceNo (sent as originalReferenceNo of a QRIS MPM
    /// query); --base-url carries its /snap prefix.
    ///
    /// Exit 0 with the JSON; 1 when the provider refuses (its code on
    /// stderr) or cannot be reached; 2 on bad input.
    #[command(after_help = "Examples:\n  \
        KIRIMINAJA_API_KEY=... snap-bi payment status --provider kiriminaja \\\n      \
        --base-url https://tdev.kiriminaja.com --payment-id XID-5732095327\n  \
        FAZZ_API_KEY=... FAZZ_SECRET_KEY=... snap-bi payment status --provider fazz \\\n      \
        --base-url https://sandbox-id.xfers.com/api/v4 --payment-id contract_ea9c")]
    Status(PaymentStatusArgs),
}

/// `snap-bi payment status`.
#[derive(Debug, Args)]
pub(crate) struct PaymentStatusArgs {
    /// Whose payment it is.
    #[arg(long, value_enum)]
    pub(crate) provider: ProviderArg,
    /// The provider's base URL (KiriminAja: `https://host`; Fazz: with
    /// `/api/v4`; Paydia: with `/snap`).
    #[arg(long, value_name = "URL")]
    pub(crate) base_url: String,
    /// The provider's payment id (Paydia: referenceNo; KiriminAja:
    /// payment_id; Fazz: `contract_…`).
    #[arg(long, value_name = "ID")]
    pub(crate) payment_id: String,
    /// KiriminAja only: use the retired Instant `GET` endpoint (seed 001)
    /// instead of `get_payment`.
    #[arg(long)]
    pub(crate) legacy_instant: bool,
    /// Paydia only: the customer's B2B2C access token, sent as
    /// Authorization-Customer. Read from SNAP_CUSTOMER_TOKEN when absent.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "SNAP_CUSTOMER_TOKEN",
        hide_env_values = true
    )]
    pub(crate) customer_token: Option<String>,
    /// Paydia only: the X-CLIENT-KEY. Read from SNAP_CLIENT_ID.
    #[arg(long, value_name = "ID", env = CLIENT_ID_ENV)]
    pub(crate) client_id: Option<String>,
    /// Paydia only: PEM private key. Read from SNAP_PRIVATE_KEY (a path).
    #[arg(long, value_name = "PEM", env = PRIVATE_KEY_ENV)]
    pub(crate) private_key: Option<PathBuf>,
    /// Paydia only: file holding the client secret; else SNAP_CLIENT_SECRET.
    #[arg(long = "client-secret-file", value_name = "F")]
    pub(crate) secret_file: Option<PathBuf>,
    /// Paydia only: X-PARTNER-ID. Read from SNAP_PARTNER_ID; defaults to the client ID.
    #[arg(long, value_name = "ID", env = PARTNER_ID_ENV)]
    pub(crate) partner_id: Option<String>,
    /// Paydia only: CHANNEL-ID. Read from SNAP_CHANNEL_ID; defaults to 95221.
    #[arg(long, value_name = "ID", env = CHANNEL_ID_ENV, default_value = "95221")]
    pub(crate) channel_id: String,
    /// Give up after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub(crate) timeout: u64,
    #[command(flatten)]
    pub(crate) tls: TlsArgs,
}

/// `snap-bi callback …`.
#[derive(Debug, Subcommand)]
pub(crate) enum CallbackCommand {
    /// Check a received callback: prints `valid` and exits 0, or prints
    /// `invalid: <reason>` on stderr and exits 1; bad input exits 2.
    ///
    /// fazz: HMAC-SHA256 of the raw --body with the secret in
    /// --signing-secret-file, against --signature (the Xfers-Signature
    /// value, hex). kiriminaja: the --authorization header value against
    /// the API key in --api-key-file (webhooks are not signed: this bearer
    /// comparison is all the authentication KiriminAja offers).
    #[command(after_help = "Examples:\n  \
        snap-bi callback verify --provider fazz --signing-secret-file ss.txt \\\n      \
        --signature \"$XFERS_SIGNATURE\" --body callback.json\n  \
        snap-bi callback verify --provider kiriminaja --api-key-file key.txt \\\n      \
        --authorization \"Bearer $RECEIVED\"")]
    Verify(CallbackVerifyArgs),
}

/// `snap-bi callback verify`.
#[derive(Debug, Args)]
pub(crate) struct CallbackVerifyArgs {
    /// Whose callback it is (fazz or kiriminaja).
    #[arg(long, value_enum)]
    pub(crate) provider: ProviderArg,
    /// fazz: file holding the callback endpoint's signing secret.
    #[arg(long, value_name = "F")]
    pub(crate) signing_secret_file: Option<PathBuf>,
    /// fazz: the signature received (lower-case hex, 64 digits).
    #[arg(long, value_name = "HEX")]
    pub(crate) signature: Option<String>,
    /// fazz: file holding the raw body exactly as received (`-` for standard input).
    #[arg(long, value_name = "FILE")]
    pub(crate) body: Option<PathBuf>,
    /// kiriminaja: file holding your API key.
    #[arg(long, value_name = "F")]
    pub(crate) api_key_file: Option<PathBuf>,
    /// kiriminaja: the Authorization header value received (`Bearer …`).
    #[arg(long, value_name = "VALUE")]
    pub(crate) authorization: Option<String>,
}

#[cfg(test)]
mod tests;
