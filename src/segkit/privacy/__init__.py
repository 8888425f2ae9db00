"""Personal data: recognised, pseudonymised with a key, masked wherever it could be shown.

Three modules, one import point (everything public is re-exported here):

* :mod:`segkit.privacy.recognise` — what personal data looks like: canonical forms, valid
  mobiles and ID numbers, :func:`looks_personal` for every data-derived label;
* :mod:`segkit.privacy.pseudonyms` — the secret key and keyed HMAC-SHA256 pseudonyms of
  personal columns and of customer ids that are personal data;
* :mod:`segkit.privacy.masking` — masking in free text, logs, tables, manifests and labels.

Without the key nobody can re-identify anyone; logs and errors go through :func:`mask_text`.
"""

from segkit.privacy.masking import (
    MaskingFilter,
    install_log_masking,
    mask_frame_text,
    mask_id_number,
    mask_json,
    mask_name,
    mask_phone,
    mask_text,
    neutral_labels,
    safe_label,
)
from segkit.privacy.pseudonyms import (
    KEY_ENV,
    assert_outside,
    default_key_path,
    load_key,
    pseudonymise,
    pseudonymise_frame,
    pseudonymise_ids,
)
from segkit.privacy.recognise import (
    PII_KINDS,
    contains_pii,
    is_valid_id_number,
    is_valid_phone,
    looks_like_name,
    looks_personal,
    normalise_pii,
    pii_kind,
)

__all__ = [
    "KEY_ENV",
    "PII_KINDS",
    "MaskingFilter",
    "assert_outside",
    "contains_pii",
    "default_key_path",
    "install_log_masking",
    "is_valid_id_number",
    "is_valid_phone",
    "load_key",
    "looks_like_name",
    "looks_personal",
    "mask_frame_text",
    "mask_id_number",
    "mask_json",
    "mask_name",
    "mask_phone",
    "mask_text",
    "neutral_labels",
    "normalise_pii",
    "pii_kind",
    "pseudonymise",
    "pseudonymise_frame",
    "pseudonymise_ids",
    "safe_label",
]
