//! Amazon Connect's item kinds: the sections of an instance's snapshot document.

/// A kind of item inside a Connect instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConnectKind {
    Hours,
    Queue,
    Prompt,
    RoutingProfile,
    QuickConnect,
    Module,
    Flow,
}

impl ConnectKind {
    /// In dependency order (that of the plan's item list).
    pub const ALL: [ConnectKind; 7] = [
        ConnectKind::Hours,
        ConnectKind::Queue,
        ConnectKind::Prompt,
        ConnectKind::RoutingProfile,
        ConnectKind::QuickConnect,
        ConnectKind::Module,
        ConnectKind::Flow,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ConnectKind::Hours => "HoursOfOperations",
            ConnectKind::Queue => "Queues",
            ConnectKind::Prompt => "Prompts",
            ConnectKind::RoutingProfile => "RoutingProfiles",
            ConnectKind::QuickConnect => "QuickConnects",
            ConnectKind::Module => "Modules",
            ConnectKind::Flow => "Flows",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ConnectKind::Hours => "hours of operation",
            ConnectKind::Queue => "queue",
            ConnectKind::Prompt => "prompt",
            ConnectKind::RoutingProfile => "routing profile",
            ConnectKind::QuickConnect => "quick connect",
            ConnectKind::Module => "flow module",
            ConnectKind::Flow => "flow",
        }
    }
    /// The resource type segment of its ARNs.
    pub fn segment(self) -> &'static str {
        match self {
            ConnectKind::Hours => "operating-hours",
            ConnectKind::Queue => "queue",
            ConnectKind::Prompt => "prompt",
            ConnectKind::RoutingProfile => "routing-profile",
            ConnectKind::QuickConnect => "transfer-destination",
            ConnectKind::Module => "flow-module",
            ConnectKind::Flow => "contact-flow",
        }
    }
}
