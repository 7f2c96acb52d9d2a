"""Cross-region collaboration (跨地区协作): signed, encrypted lead bundles and private set
intersection of identifiers, so procuratorates find the schemes they share without handing each
other raw PI.

- :class:`FederationIdentity` (keys derived from the project key), :class:`PeerCard` (a trusted
  peer's public keys);
- :func:`export_bundle` / :func:`open_bundle` / :func:`import_bundle` — bundles;
- :class:`PsiParty`, :func:`run_psi`, :func:`psi_router` — ECDH-PSI over HTTP;
- :func:`record_links`, :func:`cross_region_cases` — link tokens in the store, the 类案 view.
"""

from pisentinel.federation.bundle import (
    BundleRefused,
    OpenedBundle,
    export_bundle,
    federation_role,
    import_bundle,
    open_bundle,
)
from pisentinel.federation.exchange import PsiOutcome, psi_app, psi_router, run_psi
from pisentinel.federation.identity import FederationIdentity, PeerCard, TrustError
from pisentinel.federation.psi import (
    PSI_TYPES,
    Identifier,
    PsiError,
    PsiParty,
    SharedIdentifier,
    hash_to_group,
    identifiers_from_reveal_store,
    identifiers_from_values,
    link_token,
)
from pisentinel.federation.view import (
    CrossRegionCase,
    RegionLead,
    cross_region_cases,
    record_links,
)

__all__ = [
    "PSI_TYPES",
    "BundleRefused",
    "CrossRegionCase",
    "FederationIdentity",
    "Identifier",
    "OpenedBundle",
    "PeerCard",
    "PsiError",
    "PsiOutcome",
    "PsiParty",
    "RegionLead",
    "SharedIdentifier",
    "TrustError",
    "cross_region_cases",
    "export_bundle",
    "federation_role",
    "hash_to_group",
    "identifiers_from_reveal_store",
    "identifiers_from_values",
    "import_bundle",
    "link_token",
    "open_bundle",
    "psi_app",
    "psi_router",
    "record_links",
    "run_psi",
]
