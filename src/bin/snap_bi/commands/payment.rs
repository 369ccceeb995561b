//! `snap-bi payment status`: one payment's unified status, for every
//! provider, over the library's clients (Paydia: [`SnapClient`];
//! KiriminAja: [`KiriminAjaClient`]; Fazz: [`FazzClient`]) and the CLI's
//! HTTP client (TLS flags, proxies).

use std::error::Error;
use std::time::Duration;

use snap_bi::ProviderProfile;
use snap_bi::client::{CallError, CustomerToken, SnapClient};
use snap_bi::fazz::{Credentials, FazzCallError, FazzClient};
use snap_bi::kiriminaja::{ApiKey, KiriminAjaCallError, KiriminAjaClient};
use snap_bi::payment::{PaymentSummary, SummaryError};
use snap_bi::provider_client::{ClientConfigError, TransportError};
use snap_bi::qris::{QrMpmQueryRequest, StatusDialect};
use snap_bi::token::AccessToken;

use crate::cli::args::{
    CLIENT_ID_ENV, FAZZ_API_KEY_ENV, FAZZ_SECRET_KEY_ENV, KIRIMINAJA_API_KEY_ENV, PRIVATE_KEY_ENV,
    PaymentStatusArgs, ProviderArg,
};
use crate::cli::error::{CliError, CliResult};
use crate::cli::http::Http;
use crate::cli::input::{client_secret, private_key};
use crate::cli::output::Output;

/// Paydia's QRIS MPM query service code.
const PAYDIA_QUERY_SERVICE_CODE: &str = "51";

/// Looks the payment up and prints its [`PaymentSummary`] as one JSON line.
pub(crate) fn status(args: &PaymentStatusArgs, out: &mut Output) -> CliResult {
    if args.payment_id.trim().is_empty() {
        return Err(CliError::input("--payment-id is empty"));
    }
    if args.legacy_instant && args.provider != ProviderArg::Kiriminaja {
        return Err(CliError::input(
            "--legacy-instant is for --provider kiriminaja",
        ));
    }
    if args.customer_token.is_some() && args.provider != ProviderArg::Paydia {
        return Err(CliError::input("--customer-token is for --provider paydia"));
    }
    let timeout = Duration::from_secs(args.timeout);
    if timeout.is_zero() {
        return Err(CliError::input("--timeout must be more than 0"));
    }
    let http = Http::new(&args.tls, timeout)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::failed(format!("cannot start the async runtime: {e}")))?;
    let summary = match args.provider {
        ProviderArg::Kiriminaja => runtime.block_on(kiriminaja(args, &http, timeout))?,
        ProviderArg::Fazz => runtime.block_on(fazz(args, &http, timeout))?,
        ProviderArg::Paydia => runtime.block_on(paydia(args, &http, timeout))?,
    };
    let json = serde_json::to_string(&summary)
        .map_err(|e| CliError::failed(format!("cannot encode the summary: {e}")))?;
    out.line(json);
    Ok(())
}

fn env_secret(name: &str) -> CliResult<String> {
    std::env::var(name).map_err(|_| CliError::input(format!("{name} is not set")))
}

fn config_error(error: &ClientConfigError) -> CliError {
    match error {
        ClientConfigError::Http(_) => {
            CliError::failed(format!("cannot set up the client: {error}"))
        }
        _ => CliError::input(error.to_string()),
    }
}

fn transport_error(http: &Http, error: &TransportError, url: &str) -> CliError {
    if let TransportError::Send(source) = error
        && let Some(tls) = http.tls_failure(source.as_ref(), url)
    {
        return tls;
    }
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    CliError::failed(text)
}

async fn kiriminaja(
    args: &PaymentStatusArgs,
    http: &Http,
    timeout: Duration,
) -> CliResult<PaymentSummary> {
    let key = ApiKey::new(env_secret(KIRIMINAJA_API_KEY_ENV)?)
        .map_err(|e| CliError::input(format!("{KIRIMINAJA_API_KEY_ENV}: {e}")))?;
    let client = KiriminAjaClient::builder()
        .api_key(key)
        .base_url(&args.base_url)
        .timeout(timeout)
        .http(http.service())
        .build()
        .map_err(|e| config_error(&e))?;
    let answer = if args.legacy_instant {
        client.get_payment_legacy_instant(&args.payment_id).await
    } else {
        client.get_payment(&args.payment_id).await
    };
    match answer {
        Ok(payment) => Ok(payment.summary()),
        Err(KiriminAjaCallError::InvalidPaymentId(e)) => Err(CliError::input(e.to_string())),
        Err(KiriminAjaCallError::Transport(e)) => Err(transport_error(http, &e, &args.base_url)),
        Err(KiriminAjaCallError::Provider(e)) => Err(match e.api_code() {
            Some(code) => CliError::refused(format!("KiriminAja code {code}: {e}")),
            None => CliError::failed(e.to_string()),
        }),
        Err(e) => Err(CliError::failed(e.to_string())),
    }
}

async fn fazz(
    args: &PaymentStatusArgs,
    http: &Http,
    timeout: Duration,
) -> CliResult<PaymentSummary> {
    let credentials = Credentials::new(
        env_secret(FAZZ_API_KEY_ENV)?,
        env_secret(FAZZ_SECRET_KEY_ENV)?,
    )
    .map_err(|e| CliError::input(format!("{FAZZ_API_KEY_ENV}/{FAZZ_SECRET_KEY_ENV}: {e}")))?;
    let client = FazzClient::builder()
        .credentials(credentials)
        .base_url(&args.base_url)
        .timeout(timeout)
        .http(http.service())
        .build()
        .map_err(|e| config_error(&e))?;
    match client.get_payment(&args.payment_id).await {
        Ok(payment) => Ok(payment.summary()),
        Err(FazzCallError::Transport(e)) => Err(transport_error(http, &e, &args.base_url)),
        Err(FazzCallError::Provider(e)) => Err(match e.api_code() {
            Some(code) => CliError::refused(format!("Fazz code {code}: {e}")),
            None => CliError::failed(e.to_string()),
        }),
        Err(e) => Err(CliError::failed(e.to_string())),
    }
}

async fn paydia(
    args: &PaymentStatusArgs,
    http: &Http,
    timeout: Duration,
) -> CliResult<PaymentSummary> {
    let (Some(client_id), Some(key_path)) =
        (args.client_id.as_deref(), args.private_key.as_deref())
    else {
        return Err(CliError::input(format!(
            "missing --client-id (or {CLIENT_ID_ENV}) or --private-key (or {PRIVATE_KEY_ENV}): \
             the B2B token request is signed with them"
        )));
    };
    let customer = args
        .customer_token
        .as_deref()
        .map(|token| {
            AccessToken::new(token.trim())
                .map(CustomerToken)
                .map_err(|e| CliError::input(format!("--customer-token: {e}")))
        })
        .transpose()?;
    let client = SnapClient::builder(ProviderProfile::paydia())
        .base_url(&args.base_url)
        .client_id(client_id)
        .private_key(private_key(key_path)?)
        .client_secret(client_secret(args.secret_file.as_deref())?)
        .partner_id(args.partner_id.as_deref().unwrap_or(client_id))
        .channel_id(&args.channel_id)
        .timeout(timeout)
        .http(http.service())
        .build()
        .map_err(|e| CliError::input(e.to_string()))?;
    let mut query = QrMpmQueryRequest::new(PAYDIA_QUERY_SERVICE_CODE);
    query.original_reference_no = Some(args.payment_id.clone());
    let answer = match &customer {
        Some(customer) => client.call_as(&query, customer).await,
        None => client.call(&query).await,
    };
    let response = answer.map_err(|e| paydia_error(http, &e, &args.base_url))?;
    PaymentSummary::from_qris_query(&response, StatusDialect::Paydia).map_err(|e| match e {
        SummaryError::Provider { code, message } => {
            CliError::refused(format!("Paydia code {code}: {message}"))
        }
        other => CliError::failed(other.to_string()),
    })
}

fn paydia_error(http: &Http, error: &CallError, url: &str) -> CliError {
    match error {
        CallError::Refused {
            code,
            message,
            status,
            ..
        } => CliError::refused(format!(
            "Paydia code {}: {} (HTTP {status})",
            code.as_ref().map_or("none", |c| c.as_str()),
            message.as_deref().unwrap_or("no message")
        )),
        other => {
            if let Some(tls) = http.tls_failure(other, url) {
                return tls;
            }
            CliError::failed(other.to_string())
        }
    }
}
