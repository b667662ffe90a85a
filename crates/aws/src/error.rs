use snapdeploy_store::StoreError;

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
    pub fn service<E: std::error::Error>(context: &str, err: E) -> Self {
        AwsError::Service(format!(
            "{context}: {}",
            aws_smithy_types::error::display::DisplayErrorContext(&err)
        ))
    }
}

pub type AwsResult<T> = Result<T, AwsError>;
