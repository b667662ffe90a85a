//! The command line: every verb and its arguments.

use clap::{Args, Parser, Subcommand};
use snapdeploy_sandbox::Seed;

#[derive(Parser)]
#[command(
    name = "snapdeploy",
    version,
    about = "Snapshot, promote and roll back Amazon Connect, Lex V2 and Lambda across AWS accounts"
)]
pub(crate) struct Cli {
    /// Print machine-readable JSON instead of human output.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    #[command(subcommand)]
    pub(crate) cmd: Cmd,
}

#[derive(Subcommand)]
pub(crate) enum Cmd {
    /// Run the HTTP API (and the built web app), with a worker for queued jobs.
    Serve {
        #[arg(long, env = "SNAPDEPLOY_ADDR", default_value = "0.0.0.0:5050")]
        addr: String,
        /// Answer requests only: queued jobs are left to `snapdeploy worker` processes
        /// (changes asked for without `?background=true` still run here).
        #[arg(long)]
        no_worker: bool,
    },
    /// Ask a running server's /healthz, for container health checks (the images carry no
    /// curl): exits 0 when it answers 200, 1 otherwise.
    Healthcheck {
        /// The address to ask (default: this host's port of SNAPDEPLOY_ADDR, 5050).
        #[arg(long)]
        url: Option<String>,
    },
    /// Run queued jobs only, from the job queue (`SNAPDEPLOY_JOB_QUEUE_URL`, or the
    /// registry's lost jobs), until SIGTERM; running jobs finish first.
    Worker,
    /// Run the local AWS-compatible sandbox endpoint (STS, Lambda).
    Sandbox {
        #[arg(
            long,
            env = "SNAPDEPLOY_SANDBOX_ADDR",
            default_value = "127.0.0.1:4566"
        )]
        addr: String,
        /// Seed data: accounts, demo or large.
        #[arg(long, default_value = "demo")]
        seed: Seed,
        /// Switch AWS-like request quotas off.
        #[arg(long)]
        no_quotas: bool,
    },
    /// The whole product offline: the sandbox with demo data, the API with the embedded store,
    /// the sandbox accounts registered.
    Demo {
        #[arg(long, env = "SNAPDEPLOY_ADDR", default_value = "0.0.0.0:5050")]
        addr: String,
        #[arg(
            long,
            env = "SNAPDEPLOY_SANDBOX_ADDR",
            default_value = "127.0.0.1:4566"
        )]
        sandbox_addr: String,
        /// Where the demo keeps its registry and snapshots.
        #[arg(long, env = "SNAPDEPLOY_DEMO_DATA_DIR", default_value = "data/demo")]
        data_dir: std::path::PathBuf,
    },
    /// API tokens for people and pipelines (the server's `tokens` sign-in): create, list,
    /// revoke. Through the server when one is configured (an admin's token); otherwise on the
    /// registry directly, which is how the first admin token is made.
    Tokens {
        #[command(subcommand)]
        cmd: TokensCmd,
    },
    /// Manage registered accounts.
    Accounts {
        #[command(subcommand)]
        cmd: AccountsCmd,
    },
    /// Promotion rules per (source account, target account) pair: values rewritten or kept
    /// as the target has them when a deploy goes from one to the other.
    Rules {
        #[command(subcommand)]
        cmd: RulesCmd,
    },
    /// List a service's resources in an account and region.
    Extract {
        service: String,
        #[command(flatten)]
        at: At,
    },
    /// Capture one resource as a snapshot.
    Snapshot(SnapshotArgs),
    /// List snapshots, newest first.
    Snapshots(SnapshotsArgs),
    /// Who changed what, newest first: accounts added and removed, snapshots, deploys and
    /// rollbacks, with how each ended.
    Audit(AuditArgs),
    /// Apply a snapshot to an account and region (dry run with --dry-run). Through a server,
    /// into a protected account: exits 3, the change waiting for another person's approval.
    Deploy(DeployArgs),
    /// Bring a resource back to an earlier snapshot (a safety snapshot is taken first).
    Rollback(RollbackArgs),
    /// Jobs, newest first (through a server: yours, or everyone's for an admin), or one job
    /// with its progress.
    Jobs {
        /// queued, running, succeeded, failed, failed_restored or interrupted.
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Show this job, with its progress events.
        id: Option<String>,
    },
    /// Releases (instances promoted with what they use), newest first.
    Releases {
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Change requests into protected accounts, waiting for a second person (needs a server:
    /// SNAPDEPLOY_SERVER or `snapdeploy login`).
    Changes {
        #[command(subcommand)]
        cmd: ChangesCmd,
    },
    /// Use a SnapDeploy server from now on: checks the token, then keeps the server and the
    /// token owner-only in ~/.config/snapdeploy/credentials.json. The token is read from
    /// SNAPDEPLOY_TOKEN or, when unset, from standard input.
    Login {
        /// The server's address, e.g. https://snapdeploy.example.com.
        #[arg(long, env = "SNAPDEPLOY_SERVER")]
        server: String,
    },
    /// Forget the stored server and token: the CLI runs the engine in-process again.
    Logout,
    /// Who the server takes you for, and your role.
    Whoami,
    /// Roll a whole release back: every member to its safety snapshot, last first.
    RollbackRelease {
        release_id: String,
        /// Delete the functions and bots the release created (otherwise they are kept).
        #[arg(long)]
        remove_created: bool,
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Args)]
pub(crate) struct At {
    #[arg(long)]
    pub(crate) account_id: String,
    #[arg(long)]
    pub(crate) region: String,
}

#[derive(Subcommand)]
pub(crate) enum AccountsCmd {
    Add {
        #[arg(long)]
        account_id: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        role_arn: String,
        /// Read from the environment rather than the command line, so it stays out of shell history.
        #[arg(long, env = "SNAPDEPLOY_EXTERNAL_ID", hide_env_values = true)]
        external_id: Option<String>,
        /// Comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        regions: Vec<String>,
        #[arg(long)]
        protected: bool,
    },
    List,
    Remove {
        account_id: String,
    },
}

#[derive(Subcommand)]
pub(crate) enum TokensCmd {
    /// Create a token; it is printed this once (the registry keeps only its hash).
    Create {
        /// Who or what uses it: its requests are recorded under this name.
        #[arg(long)]
        name: String,
        /// viewer, operator, approver or admin.
        #[arg(long)]
        role: String,
        /// Limit it to this account (repeatable; default: every account).
        #[arg(long = "account")]
        accounts: Vec<String>,
        /// Days until it expires (default: never).
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
    List,
    /// Revoke a token by its id (see `tokens list`).
    Revoke {
        id: String,
    },
}

#[derive(Subcommand)]
pub(crate) enum ChangesCmd {
    /// Change requests, newest first.
    List {
        /// pending (default), running, executed, failed, rejected, expired, stale or all.
        #[arg(long, default_value = "pending")]
        state: String,
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=1000))]
        limit: u16,
    },
    /// One request with its plan.
    Show { id: String },
    /// Approve another person's request: the target is checked again, then the change runs
    /// (followed to its end).
    Approve {
        id: String,
        #[arg(long)]
        comment: Option<String>,
    },
    /// Reject a request, saying why.
    Reject {
        id: String,
        #[arg(long)]
        comment: String,
    },
}

#[derive(Subcommand)]
pub(crate) enum RulesCmd {
    /// Every pair's rules.
    List,
    /// One pair's rules.
    Show {
        source_account_id: String,
        target_account_id: String,
    },
    /// Set a pair's rules, replacing what it had: from a JSON file (`-` for stdin) in the
    /// API's shape, or from the flags.
    Set {
        source_account_id: String,
        target_account_id: String,
        /// `{"substitutions": [{"from", "to", "match"}], "keep_target": ["lambda:/…"]}`.
        #[arg(long, conflicts_with_all = ["substitute", "substitute_whole", "keep"])]
        file: Option<std::path::PathBuf>,
        /// FROM=TO, replaced wherever FROM occurs inside a string value (repeatable).
        #[arg(long, value_name = "FROM=TO")]
        substitute: Vec<String>,
        /// FROM=TO, replaced only where a whole string value equals FROM (repeatable).
        #[arg(long, value_name = "FROM=TO")]
        substitute_whole: Vec<String>,
        /// `<service>:<JSON pointer>` the target keeps as it has it (repeatable; `*` matches
        /// any one key).
        #[arg(long, value_name = "SERVICE:/POINTER")]
        keep: Vec<String>,
    },
    /// Remove a pair's rules.
    Remove {
        source_account_id: String,
        target_account_id: String,
    },
}

#[derive(Args)]
pub(crate) struct SnapshotArgs {
    pub(crate) service: String,
    pub(crate) resource_name: String,
    #[command(flatten)]
    pub(crate) at: At,
    #[arg(long)]
    pub(crate) note: Option<String>,
    /// Lex: the bot version to export (DRAFT by default).
    #[arg(long)]
    pub(crate) version: Option<String>,
    /// Connect: read every item again, reusing nothing from the previous snapshot.
    #[arg(long)]
    pub(crate) full: bool,
}

#[derive(Args)]
pub(crate) struct SnapshotsArgs {
    #[arg(long)]
    pub(crate) account_id: String,
    #[arg(long)]
    pub(crate) service: Option<String>,
    #[arg(long)]
    pub(crate) resource_name: Option<String>,
    /// Only the newest this many.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub(crate) limit: Option<u16>,
}

#[derive(Args)]
pub(crate) struct AuditArgs {
    #[arg(long)]
    pub(crate) account_id: Option<String>,
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub(crate) limit: u16,
}

#[derive(Args)]
pub(crate) struct DeployArgs {
    #[arg(long, conflicts_with = "file", required_unless_present = "file")]
    pub(crate) snapshot_key: Option<String>,
    /// A snapshot document (possibly edited) to apply instead of a stored one.
    #[arg(long)]
    pub(crate) file: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub(crate) at: At,
    #[arg(long)]
    pub(crate) resource_name: Option<String>,
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Move this alias to the published version.
    #[arg(long)]
    pub(crate) alias: Option<String>,
    #[arg(long)]
    pub(crate) no_publish: bool,
    #[arg(long)]
    pub(crate) accept_unmapped: bool,
    /// Lex: delete the oldest versions beyond this many before creating one.
    #[arg(long)]
    pub(crate) keep_versions: Option<usize>,
    /// Recorded on the safety snapshot and the published version.
    #[arg(long)]
    pub(crate) note: Option<String>,
    /// Connect: deploy only these flows (comma-separated) and what they need.
    #[arg(long, value_delimiter = ',')]
    pub(crate) flows: Option<Vec<String>>,
    /// Connect: delete the target's items that the snapshot does not have.
    #[arg(long)]
    pub(crate) remove_extra: bool,
    /// Connect: promote the instance as one release with the Lambda functions and Lex bots
    /// it uses (functions, then bots, then the instance; undone as one on a failure).
    #[arg(long)]
    pub(crate) with_dependencies: bool,
}

#[derive(Args)]
pub(crate) struct RollbackArgs {
    pub(crate) service: String,
    pub(crate) resource_name: String,
    #[command(flatten)]
    pub(crate) at: At,
    #[arg(long)]
    pub(crate) snapshot_key: String,
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Connect: delete items created after the snapshot (otherwise only listed).
    #[arg(long)]
    pub(crate) remove_created: bool,
}
