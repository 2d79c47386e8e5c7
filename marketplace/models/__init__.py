"""SQLAlchemy models, one module per aggregate; importing this registers them all."""
from .api_token import ApiToken
from .audit import AuditAnchor, AuditEvent
from .data_version import DataVersion, KeptStatistics
from .evaluation import ConflictDeclaration, Evaluation, PitchAssessment, Score
from .challenge import Challenge, ChallengeNotice, EvaluationCriterion, Follow, Question, SuccessMeasure, challenge_sectors
from .notification import EmailDelivery, Notification
from .match import ChallengeMatchWeights, Match, organisation_term_counts, organisation_terms
from .ocds_release import OcdsRelease
from .organisation import Invitation, Membership, Organisation, Solution, organisation_sectors
from .outbox import OutboxEvent
from .pitch import Pitch, PitchAttachment, PitchReceipt, UnsavedPitchStep
from .pitch_session import PitchSessionSlot
from .saved_search import SavedSearch
from .pilot import (MeasureOutcome, PaymentMilestone, Pilot, PilotBudgetIncrease, PilotDocument, PilotMessage,
                    PilotStageChange)
from .user import RecoveryCode, User

__all__ = [
    "ApiToken", "AuditAnchor", "AuditEvent", "DataVersion", "KeptStatistics", "ConflictDeclaration", "Evaluation",
    "PitchAssessment", "Score",
    "Challenge", "ChallengeNotice", "EvaluationCriterion", "Follow", "Question", "SuccessMeasure", "challenge_sectors", "EmailDelivery",
    "Notification", "OcdsRelease", "Invitation", "Membership", "Organisation", "Solution", "organisation_sectors",
    "MeasureOutcome", "PaymentMilestone", "Pilot", "PilotDocument", "PilotMessage", "PilotStageChange",
    "PitchSessionSlot", "OutboxEvent", "RecoveryCode", "Pitch", "PitchAttachment", "PitchReceipt", "UnsavedPitchStep", "User",
    "Match", "organisation_term_counts", "organisation_terms", "SavedSearch",
]
