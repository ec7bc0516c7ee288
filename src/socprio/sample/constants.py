"""Fixed settings of the synthetic generator: the shipped sample's settings and every
distribution (relative weights, shares and crime-type shifts). Names missing from the config
are ignored, so a config may drop or add crime types, forces or factors freely.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt

SAMPLE_SEED = 20261123
SAMPLE_AS_OF = date(2026, 11, 23)
SAMPLE_GROUPS = 170
SAMPLE_FILE_MODE = 0o644  # synthetic data, tracked in git; real outputs default to 0600
ID_PREFIX = "OCG-"

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Strs = npt.NDArray[np.object_]

# --- distributions (relative weights; names missing from the config are ignored) -----------

PRINCIPAL_WEIGHT = {
    "drugs_supply": 0.34,
    "county_lines": 0.26,
    "fraud": 0.08,
    "msht": 0.05,
    "firearms": 0.05,
    "money_laundering": 0.05,
    "oac": 0.05,
    "oic": 0.04,
    "cyber": 0.03,
    "cse": 0.02,
    "other": 0.02,
    "bribery_corruption": 0.01,
}
SECONDARY_WEIGHT = {
    "money_laundering": 0.30,
    "drugs_supply": 0.20,
    "county_lines": 0.10,
    "firearms": 0.08,
    "fraud": 0.08,
    "oac": 0.08,
    "msht": 0.05,
    "cyber": 0.005,  # rarely a sideline of street-level groups
}
DEFAULT_CRIME_WEIGHT = 0.02
SECONDARY_COUNT_P = (0.35, 0.35, 0.20, 0.10)  # 0, 1, 2 or 3 secondary crimes
FORCE_WEIGHT = {"WMP": 0.45, "STAFFS": 0.18, "WMERCIA": 0.16, "WARKS": 0.13, "ROCU": 0.08}
DEFAULT_FORCE_WEIGHT = 0.10
DISRUPTION_WEIGHT = {
    "arrest": 0.35,
    "seizure": 0.25,
    "charge": 0.15,
    "safeguarding": 0.10,
    "asset_recovery": 0.08,
    "civil_order": 0.07,
}
DEFAULT_DISRUPTION_WEIGHT = 0.05
SOURCE_EVAL_P = (0.20, 0.60, 0.20)  # 1, 2, 3
ASSESSMENT_P = (0.15, 0.45, 0.25, 0.10, 0.05)  # A-E
STRAND_P = {"pursue": 0.85, "prepare": 0.30, "protect": 0.30, "prevent": 0.35}
LINK_COUNT_P = (0.45, 0.30, 0.15, 0.10)  # 0-3 linked groups

# Member counts: lognormal around a median of 10, shifted by crime type, clipped to 3..250.
MEMBER_MEDIAN = 10.0
MEMBER_SIZE_SHIFT = {"county_lines": 0.2, "oic": 0.1, "fraud": -0.2, "cyber": -0.3}
TWO_MEMBER_SHARE = 0.01  # below the SCA 2015 s45 minimum, so `validate` shows its warning

# Ordinal factors: the baseline position on 0..1, and crime-type shifts (in the same units).
ORDINAL_BASE = {
    "violence": 0.30,
    "weapons_access": 0.22,
    "exploitation": 0.05,
    "community_impact": 0.35,
    "intent": 0.50,
    "capability": 0.45,
    "corruption": 0.08,
    "legal_business_use": 0.25,
    "financial_band": 0.28,
    "geographic_reach": 0.30,
    "countermeasures": 0.35,
}
DEFAULT_ORDINAL_BASE = 0.30
LOW_VIOLENCE = {"violence": -0.30, "weapons_access": -0.30, "community_impact": -0.15}
CRIME_SHIFT: dict[str, dict[str, float]] = {
    "firearms": {
        "violence": 0.35,
        "weapons_access": 0.50,
        "community_impact": 0.20,
        "intent": 0.15,
    },
    "county_lines": {
        "exploitation": 0.18,
        "violence": 0.15,
        "weapons_access": 0.10,
        "community_impact": 0.20,
        "geographic_reach": 0.15,
    },
    "drugs_supply": {"violence": 0.10, "weapons_access": 0.08, "community_impact": 0.15},
    "msht": {"exploitation": 0.28, "geographic_reach": 0.30, "financial_band": 0.10},
    "cse": {"exploitation": 0.75, "community_impact": 0.20},
    "oic": {"exploitation": 0.20, "geographic_reach": 0.45, "countermeasures": 0.10},
    "fraud": {
        **LOW_VIOLENCE,
        "countermeasures": 0.25,
        "financial_band": 0.25,
        "legal_business_use": 0.30,
        "capability": 0.10,
    },
    "cyber": {
        **LOW_VIOLENCE,
        "countermeasures": 0.45,
        "financial_band": 0.20,
        "geographic_reach": 0.35,
        "capability": 0.15,
    },
    "money_laundering": {
        **LOW_VIOLENCE,
        "legal_business_use": 0.45,
        "financial_band": 0.40,
        "corruption": 0.20,
        "countermeasures": 0.15,
    },
    "bribery_corruption": {**LOW_VIOLENCE, "corruption": 0.55, "legal_business_use": 0.30},
    "oac": {"violence": 0.10, "community_impact": 0.20, "geographic_reach": 0.05},
}
SEVERITY_SCALE = 0.24  # how strongly the latent severity moves every factor together
NOISE_SCALE = 0.15

# Boolean factors: overall rate, and crime-type multipliers.
BOOLEAN_RATE = {"firearms_discharge_12m": 0.032, "threat_to_life_active": 0.018}
BOOLEAN_RATE |= {"international_links": 0.25}
DEFAULT_BOOLEAN_RATE = 0.25
BOOLEAN_CRIME_FACTOR: dict[str, dict[str, float]] = {
    "firearms": {"firearms_discharge_12m": 9.0, "threat_to_life_active": 4.0},
    "county_lines": {"firearms_discharge_12m": 1.3, "threat_to_life_active": 1.3},
    "fraud": {"firearms_discharge_12m": 0.1, "threat_to_life_active": 0.2},
    "cyber": {
        "firearms_discharge_12m": 0.0,
        "threat_to_life_active": 0.1,
        "international_links": 3,
    },
    "oic": {"international_links": 3.5},
    "msht": {"international_links": 3.0},
    "money_laundering": {"international_links": 2.5, "firearms_discharge_12m": 0.2},
    "bribery_corruption": {"firearms_discharge_12m": 0.1},
}

# (boolean factor, ordinal factor, minimum level): a true flag implies at least this level.
IMPLIES = (
    ("firearms_discharge_12m", "weapons_access", 2),
    ("firearms_discharge_12m", "violence", 3),
    ("threat_to_life_active", "violence", 3),
)

UNKNOWN_RATE = (0.11, 0.24)  # per-factor unknown share, drawn once per factor
BLANK_SHARE = 0.15  # unknowns written blank rather than as the unknown spelling
WEAKNESS_PULL = 0.35  # poorly graded intelligence has more unknowns
STALE_SHARE = 0.20  # reviews 91-200 days old; the rest 0-90
UK_DATE_SHARE = 0.10  # dates written DD/MM/YYYY instead of ISO
NO_DISRUPTION_SHARE = 0.40
DISRUPTION_MAX_DAYS = 400
LRO_SHARE = 0.85
