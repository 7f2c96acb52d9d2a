"""protect: de-identification of what detect finds — masks, keyed pseudonym tokens, reversible
encryption, generalisation, redaction of texts and columns, and re-identification risk.

One module per concern; this module is the public surface:

- `mask_value(type, value)` — display mask by the taxonomy's rule (138****5678, 张*).
  A user's own types (rules files belong to detect) come in as `own_types` (`OwnType`).
- `pseudonym_token(type, value, key)` — keyed, type-prefixed token that links records;
  `normalize_value(type, value)` — the canonical form tokens hash.
- `load_project_key(workspace)`, `derive_key`, `federation_key` — keys.
- `encrypt_value` / `decrypt_value` — AES-GCM for authorised re-identification.
- `generalize_value`, `id_card_facts`, `age_band` — coarser forms.
- `redact_text(text, findings, method)`, `redact_array(array, type, method)`,
  `redact_table(table, {column: type}, method)` — redaction; `KEYED_METHODS` need the key.
- `reidentification_risk(table, quasi_identifiers, sensitive, k)` — k-anonymity, l-diversity.
- `surrogate_value(type, value, key)` — a fake but valid-looking value, deterministic per key.
"""

from pisentinel.protect.address import district_prefix
from pisentinel.protect.crypto import decrypt_value, encrypt_value, is_ciphertext
from pisentinel.protect.errors import DecryptionError, ProjectKeyError, ProtectError
from pisentinel.protect.generalize import IdCardFacts, age_band, generalize_value, id_card_facts
from pisentinel.protect.keys import derive_key, federation_key, key_file_path, load_project_key
from pisentinel.protect.mask import OwnType, label_for, mask_keep, mask_value
from pisentinel.protect.normalize import canonical_type, normalize_value
from pisentinel.protect.pseudonym import is_token, pseudonym_token, token_type
from pisentinel.protect.redact import (
    KEYED_METHODS,
    METHODS,
    redact_array,
    redact_table,
    redact_text,
    select_spans,
)
from pisentinel.protect.risk import RiskReport, reidentification_risk
from pisentinel.protect.surrogate import SURROGATE_TYPES, surrogate_value

__all__ = [
    "KEYED_METHODS",
    "METHODS",
    "SURROGATE_TYPES",
    "DecryptionError",
    "IdCardFacts",
    "OwnType",
    "ProjectKeyError",
    "ProtectError",
    "RiskReport",
    "age_band",
    "canonical_type",
    "decrypt_value",
    "derive_key",
    "district_prefix",
    "encrypt_value",
    "federation_key",
    "generalize_value",
    "id_card_facts",
    "is_ciphertext",
    "is_token",
    "key_file_path",
    "label_for",
    "load_project_key",
    "mask_keep",
    "mask_value",
    "normalize_value",
    "pseudonym_token",
    "redact_array",
    "redact_table",
    "redact_text",
    "reidentification_risk",
    "select_spans",
    "surrogate_value",
    "token_type",
]
