use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use snapdeploy_store::StoreError;

/// `code: message` of a service's answer, else `chain`.
pub(crate) fn describe(err: &impl ProvideErrorMetadata, chain: String) -> String {
    match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => chain,
    }
}

/// Errors of the AWS side, classified for the HTTP edge.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    /// STS refused to hand out the account's role (trust policy, ExternalId, missing role).
    #[error("AssumeRole into account {account} ({role_arn}) was refused: {message}")]
    AssumeRole {
        account: String,
        role_arn: String,
        message: String,
    },
    #[error("{0}")]
    NotFound(String),
    /// The request cannot be carried out as asked (e.g. unmapped references not accepted).
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotSupported(String),
    /// AWS (or the sandbox) answered with an error.
    #[error("{0}")]
    Service(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AwsError {
    /// What an AWS call's failure means, for people: the service's own code and message
    /// when it answered, the whole error chain when it did not (timeouts, connection
    /// failures). The chain with the raw response goes to the debug log either way.
    pub fn service<E: std::error::Error + ProvideErrorMetadata>(context: &str, err: E) -> Self {
        let chain = aws_smithy_types::error::display::DisplayErrorContext(&err).to_string();
        tracing::debug!("{context}: {chain}");
        AwsError::Service(format!("{context}: {}", describe(&err, chain)))
    }
}

pub type AwsResult<T> = Result<T, AwsError>;

impl From<snapdeploy_core::ValidationError> for AwsError {
    fn from(e: snapdeploy_core::ValidationError) -> Self {
        Self::Invalid(e.to_string())
    }
}
