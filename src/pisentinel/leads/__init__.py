"""Case leads (线索): the model, severity against the legal thresholds, and the LeadStore.

A screening model builds :class:`Lead` objects (subject token + masked display, masked evidence,
counts per tier, :func:`severity_for`, provision ids) and hands them to
:meth:`LeadStore.upsert_leads`; analysts move them through the status workflow.
"""

from pisentinel.leads.model import (
    Comment,
    Evidence,
    InvalidTransition,
    Lead,
    LeadStatus,
    StatusChange,
    Subject,
    lead_fingerprint,
)
from pisentinel.leads.severity import (
    Action,
    ActionRecommendation,
    Circumstance,
    SeverityAssessment,
    SeverityLevel,
    StandingAssessment,
    public_interest_standing,
    recommended_action,
    records_by_tier,
    severity_for,
)
from pisentinel.leads.store import (
    AuditEntry,
    LeadPage,
    LeadStore,
    LinkedLead,
    Run,
    UnknownLead,
    UnmaskedIdentifierError,
    UpsertResult,
    find_raw_identifiers,
)

__all__ = [
    "Action",
    "ActionRecommendation",
    "AuditEntry",
    "Circumstance",
    "Comment",
    "Evidence",
    "InvalidTransition",
    "Lead",
    "LeadPage",
    "LeadStatus",
    "LeadStore",
    "LinkedLead",
    "Run",
    "SeverityAssessment",
    "SeverityLevel",
    "StandingAssessment",
    "StatusChange",
    "Subject",
    "UnknownLead",
    "UnmaskedIdentifierError",
    "UpsertResult",
    "find_raw_identifiers",
    "lead_fingerprint",
    "public_interest_standing",
    "recommended_action",
    "records_by_tier",
    "severity_for",
]
