"""Public tips (公众参与): a citizen's report becomes a ``public_tip`` lead about the subject
it names, the reporter's own PI masked and their contact sealed, linked by pseudonym token to
model leads and other tips about the same subject.

``TipDesk(store, key, files_dir).submit(TipForm(...), files, client=...)`` → :class:`TipReceipt`
(the receipt code, shown once); ``follow_up(code, text, files)`` and ``status(code)``;
``rank_subjects(store)`` ranks named subjects by tips and linked model leads.
"""

from pisentinel.tips.intake import (
    MODEL,
    SCENARIOS,
    TipDesk,
    TipForm,
    TipReceipt,
    TipStatus,
    Upload,
    mask_pi,
)
from pisentinel.tips.limits import RateLimiter, TipRejected, UploadPolicy, sniff_type
from pisentinel.tips.ranking import SubjectTally, rank_subjects
from pisentinel.tips.receipt import new_receipt_code, normalize_receipt_code, receipt_hash
from pisentinel.tips.subject import SUBJECT_KINDS, NamedSubject, SubjectError, name_subject

__all__ = [
    "MODEL",
    "SCENARIOS",
    "SUBJECT_KINDS",
    "NamedSubject",
    "RateLimiter",
    "SubjectError",
    "SubjectTally",
    "TipDesk",
    "TipForm",
    "TipReceipt",
    "TipRejected",
    "TipStatus",
    "Upload",
    "UploadPolicy",
    "mask_pi",
    "name_subject",
    "new_receipt_code",
    "normalize_receipt_code",
    "rank_subjects",
    "receipt_hash",
    "sniff_type",
]
