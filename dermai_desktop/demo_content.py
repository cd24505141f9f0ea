"""What the demo practice's charts say: dermatology conditions, drugs, allergies and notes.

Invented but clinically plausible (UK dermatology clinic), so the screens look
like a real working day. Codes are WHO ICD-10. Nothing here is a real patient.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Condition:
    code: str
    label: str
    weight: int
    visit_type: str  # appointment type code for its follow-ups
    reason: str  # why the patient comes
    findings: tuple[str, ...]
    assessment: str
    plans: tuple[str, ...]
    drugs: tuple[tuple[str, str, str, str], ...] = ()  # name, dose, route, frequency


CONDITIONS: tuple[Condition, ...] = (
    Condition(
        "L40.0",
        "Psoriasis vulgaris",
        9,
        "follow_up",
        "Psoriasis review",
        (
            "Well-demarcated erythematous plaques with silvery scale on extensor elbows "
            "and knees; scalp involvement behind the ears. Nails: fine pitting. BSA ~{bsa}%, "
            "PASI {pasi}.",
            "Thin residual plaques on the lower back and shins; no pustules. BSA ~{bsa}%, "
            "PASI {pasi}. No joint swelling.",
        ),
        "Chronic plaque psoriasis, {control}.",
        (
            "Continue current regimen. Bloods (FBC, LFT, U&E) every 3 months while on "
            "methotrexate. Review in 3 months.",
            "Calcipotriol/betamethasone gel once daily for 4 weeks then weekends only. "
            "Emollients. Review in 8 weeks with PASI.",
        ),
        (
            ("Calcipotriol/betamethasone dipropionate gel", "thin layer", "topical", "once daily"),
            ("Methotrexate", "15 mg", "oral", "once weekly"),
            ("Folic acid", "5 mg", "oral", "once weekly, not on methotrexate day"),
            ("Adalimumab", "40 mg", "subcutaneous", "every 2 weeks"),
        ),
    ),
    Condition(
        "L20.9",
        "Atopic dermatitis",
        8,
        "follow_up",
        "Eczema flare",
        (
            "Ill-defined erythematous, lichenified patches in the antecubital and popliteal "
            "fossae with excoriations. EASI {easi}. No signs of secondary infection.",
            "Dry skin generally; active eczema on hands and neck. EASI {easi}. "
            "No crusting or punched-out erosions.",
        ),
        "Atopic eczema, {control}.",
        (
            "Emollient as soap substitute and leave-on. Betamethasone valerate 0.1% to "
            "active areas for 2 weeks, tacrolimus 0.1% for face and neck. Review 6 weeks.",
            "Step down to weekend 'maintenance' steroid. Consider dupilumab if EASI stays "
            "above 16 despite optimal topical therapy.",
        ),
        (
            (
                "Emollient (liquid paraffin/white soft paraffin)",
                "liberally",
                "topical",
                "as required",
            ),
            ("Betamethasone valerate 0.1% ointment", "thin layer", "topical", "once daily"),
            ("Tacrolimus 0.1% ointment", "thin layer", "topical", "twice daily"),
            ("Dupilumab", "300 mg", "subcutaneous", "every 2 weeks"),
        ),
    ),
    Condition(
        "L70.0",
        "Acne vulgaris",
        8,
        "follow_up",
        "Acne follow-up",
        (
            "Open and closed comedones with inflammatory papules and pustules on the face "
            "and upper back; {scars}. Global grade {grade}.",
            "Mainly comedonal acne on the forehead and chin, occasional papules. "
            "Global grade {grade}; {scars}.",
        ),
        "Acne vulgaris, {control}.",
        (
            "Adapalene/benzoyl peroxide gel at night. Lymecycline 408 mg daily for 3 months. "
            "Review 12 weeks.",
            "Isotretinoin discussed: pregnancy prevention programme explained, baseline "
            "bloods today. Start 20 mg daily if results normal.",
        ),
        (
            ("Adapalene 0.1%/benzoyl peroxide 2.5% gel", "pea-sized amount", "topical", "at night"),
            ("Lymecycline", "408 mg", "oral", "once daily"),
            ("Isotretinoin", "20 mg", "oral", "once daily"),
        ),
    ),
    Condition(
        "L71.9",
        "Rosacea",
        4,
        "follow_up",
        "Rosacea review",
        (
            "Centrofacial erythema with telangiectasia and scattered papulopustules; no "
            "rhinophyma. Mild ocular dryness.",
        ),
        "Papulopustular rosacea, {control}.",
        ("Ivermectin 1% cream once daily for 12 weeks; trigger avoidance and daily SPF.",),
        (("Ivermectin 1% cream", "pea-sized amount", "topical", "once daily"),),
    ),
    Condition(
        "L57.0",
        "Actinic keratosis",
        7,
        "procedure",
        "Sun damage / actinic keratoses",
        (
            "Multiple rough, scaly erythematous papules on the scalp vertex and dorsal "
            "hands on a background of photodamage. No induration or ulceration.",
        ),
        "Actinic keratoses, field change.",
        (
            "Cryotherapy to {n} lesions today (one freeze-thaw cycle). Fluorouracil 5% "
            "cream twice daily for 3 weeks to the scalp. Review 3 months.",
        ),
        (("Fluorouracil 5% cream", "thin layer", "topical", "twice daily for 3 weeks"),),
    ),
    Condition(
        "L82",
        "Seborrhoeic keratosis",
        5,
        "full_skin_check",
        "Checking a mole",
        (
            "Stuck-on, waxy brown papule {size} mm on the back; dermoscopy shows milia-like "
            "cysts and comedo-like openings.",
        ),
        "Seborrhoeic keratosis, benign.",
        ("Reassured. No treatment needed; cryotherapy available if irritated.",),
    ),
    Condition(
        "D22.5",
        "Melanocytic naevi of trunk",
        7,
        "full_skin_check",
        "Full skin check",
        (
            "Full skin examination: {n} melanocytic naevi, largest {size} mm on the back. "
            "Dermoscopy: reticular pattern, symmetric, no atypical features.",
            "Multiple benign-appearing naevi; one {size} mm naevus on the left shoulder with "
            "a slightly irregular network, photographed for comparison.",
        ),
        "Benign melanocytic naevi; no features of melanoma.",
        (
            "Sun protection advice. Monthly self-examination. Full skin check in 12 months.",
            "Sequential digital dermoscopy of the shoulder naevus in 3 months.",
        ),
    ),
    Condition(
        "C44.3",
        "Basal cell carcinoma, face",
        3,
        "procedure",
        "Skin cancer follow-up",
        (
            "Pearly papule {size} mm with arborising telangiectasia on the left nasal ala. "
            "No palpable lymph nodes.",
        ),
        "Nodular basal cell carcinoma, left nasal ala.",
        (
            "Excision with 4 mm margins under local anaesthetic; histology requested. "
            "Suture removal in 7 days.",
            "Referred for Mohs micrographic surgery given the site.",
        ),
    ),
    Condition(
        "C43.5",
        "Malignant melanoma of trunk (treated)",
        1,
        "full_skin_check",
        "Melanoma surveillance",
        (
            "Scar on the upper back well healed, no pigment recurrence. No palpable axillary "
            "or cervical nodes. Full skin check: no new suspicious lesions.",
        ),
        "Stage IA melanoma, excised; no evidence of recurrence.",
        ("Continue 3-monthly surveillance for the first 3 years. Self-examination taught.",),
    ),
    Condition(
        "L21.9",
        "Seborrhoeic dermatitis",
        4,
        "follow_up",
        "Itchy scalp and face",
        ("Greasy yellowish scale on the scalp, eyebrows and nasolabial folds.",),
        "Seborrhoeic dermatitis.",
        ("Ketoconazole 2% shampoo twice weekly; hydrocortisone 1% cream to face short-term.",),
        (("Ketoconazole 2% shampoo", "apply and leave 5 minutes", "topical", "twice weekly"),),
    ),
    Condition(
        "L80",
        "Vitiligo",
        2,
        "follow_up",
        "White patches",
        ("Depigmented macules on the dorsal hands and perioral area; Wood's lamp accentuates.",),
        "Non-segmental vitiligo, {control}.",
        ("Tacrolimus 0.1% ointment twice daily to face; discussed NB-UVB phototherapy.",),
        (("Tacrolimus 0.1% ointment", "thin layer", "topical", "twice daily"),),
    ),
    Condition(
        "L63.9",
        "Alopecia areata",
        2,
        "follow_up",
        "Patchy hair loss",
        (
            "Two smooth, non-scarring patches of hair loss on the occipital scalp; exclamation-"
            "mark hairs at the margin.",
        ),
        "Alopecia areata, patchy.",
        ("Intralesional triamcinolone 10 mg/mL to the patches. Review 6 weeks.",),
    ),
    Condition(
        "B07",
        "Viral warts",
        3,
        "procedure",
        "Warts",
        ("Hyperkeratotic papules with thrombosed capillaries on the right hand ({n}).",),
        "Common viral warts.",
        ("Cryotherapy today; salicylic acid paint nightly. Repeat in 3 weeks if needed.",),
    ),
    Condition(
        "B35.1",
        "Tinea unguium",
        2,
        "follow_up",
        "Nail fungus",
        ("Yellow thickened great toenails with subungual debris; clippings sent for mycology.",),
        "Onychomycosis, dermatophyte confirmed.",
        ("Terbinafine 250 mg daily for 12 weeks; LFTs at baseline.",),
        (("Terbinafine", "250 mg", "oral", "once daily"),),
    ),
    Condition(
        "L73.2",
        "Hidradenitis suppurativa",
        2,
        "follow_up",
        "Painful lumps in armpits",
        ("Inflammatory nodules and two draining tunnels in both axillae; Hurley stage II.",),
        "Hidradenitis suppurativa, Hurley II.",
        ("Doxycycline 100 mg daily 12 weeks; weight and smoking advice; consider adalimumab.",),
        (("Doxycycline", "100 mg", "oral", "once daily"),),
    ),
    Condition(
        "L81.1",
        "Melasma",
        2,
        "cosmetic",
        "Pigmentation on face",
        ("Symmetric light-brown patches on the cheeks and upper lip; epidermal on Wood's lamp.",),
        "Melasma.",
        ("Strict SPF 50 and tinted sunscreen; azelaic acid 15% gel twice daily.",),
        (("Azelaic acid 15% gel", "thin layer", "topical", "twice daily"),),
    ),
)

ALLERGIES: tuple[tuple[str, str, str, int], ...] = (
    # substance, reaction, severity, weight
    ("Penicillin", "Urticarial rash", "moderate", 10),
    ("Sulfonamides", "Maculopapular rash", "mild", 3),
    ("Nickel", "Allergic contact dermatitis", "mild", 6),
    ("Latex", "Contact urticaria", "moderate", 3),
    ("Chlorhexidine", "Anaphylaxis", "life_threatening", 1),
    ("Elastoplast adhesive", "Blistering under dressing", "mild", 3),
    ("Neomycin", "Allergic contact dermatitis", "mild", 2),
    ("Fragrance mix", "Eczematous reaction", "mild", 3),
    ("Methylisothiazolinone", "Allergic contact dermatitis", "moderate", 2),
    ("Aspirin", "Angioedema", "severe", 2),
    ("Codeine", "Nausea and vomiting", "mild", 2),
    ("Peanut", "Anaphylaxis", "life_threatening", 1),
)

OTHER_MEDICATIONS: tuple[tuple[str, str, str, str], ...] = (
    ("Atorvastatin", "20 mg", "oral", "at night"),
    ("Ramipril", "5 mg", "oral", "once daily"),
    ("Levothyroxine", "75 micrograms", "oral", "once daily"),
    ("Metformin", "500 mg", "oral", "twice daily"),
    ("Combined oral contraceptive", "1 tablet", "oral", "once daily"),
    ("Cetirizine", "10 mg", "oral", "once daily"),
    ("Omeprazole", "20 mg", "oral", "once daily"),
)

HISTORY = (
    "Lives with partner; works as a {job}. {smoking}. Sun exposure: {sun}.",
    "{job_cap}. {smoking}. Family history of skin cancer: {fh}.",
)
JOBS = (
    "teacher",
    "builder",
    "nurse",
    "software developer",
    "farmer",
    "retired engineer",
    "student",
    "gardener",
    "chef",
    "accountant",
    "delivery driver",
    "pilot",
)
SUN = (
    "holidays abroad twice a year",
    "mostly indoors",
    "outdoor work for 20 years",
    "regular sunbed use in her twenties",
    "sunburn several times as a child",
)

ADDENDA = (
    "Histology received: {histo}. Patient informed by telephone; plan unchanged.",
    "Correction: the dose in the plan should read {dose}. Patient informed.",
    "Blood results reviewed: FBC, LFT and U&E within normal limits. Continue treatment.",
    "Patient telephoned: improving, tolerating treatment. No change to the plan.",
    "Photographs from today added to the lesion record for comparison at the next visit.",
)
HISTOLOGY = (
    "seborrhoeic keratosis, completely excised",
    "compound naevus with no atypia",
    "nodular basal cell carcinoma, clear margins (closest 2.1 mm)",
    "actinic keratosis, no invasion",
)

CANCEL_REASONS = (
    "Patient unwell",
    "Clash with work",
    "Transport problems",
    "Booked in error",
    "Clinician unavailable",
    "Feeling better",
)
WAITLIST_NOTES = (
    "Can come at short notice",
    "Mornings only",
    "Prefers Dr Okafor",
    "After school hours",
    "Any day except Friday",
)


def pick_condition(rng: random.Random) -> Condition:
    return rng.choices(CONDITIONS, weights=[c.weight for c in CONDITIONS])[0]


def pick_allergy(rng: random.Random) -> tuple[str, str, str]:
    substance, reaction, severity, _ = rng.choices(ALLERGIES, weights=[a[3] for a in ALLERGIES])[0]
    return substance, reaction, severity


def fill(text: str, rng: random.Random) -> str:
    """Fill a sentence's placeholders with plausible numbers and words."""
    control = rng.choice(("well controlled", "improving", "partially controlled", "flaring"))
    return text.format(
        bsa=rng.randint(1, 18),
        pasi=f"{rng.uniform(0.8, 14):.1f}",
        easi=f"{rng.uniform(1, 28):.1f}",
        grade=rng.randint(1, 4),
        scars=rng.choice(("no scarring", "mild rolling scars", "post-inflammatory marks")),
        n=rng.randint(2, 9),
        size=rng.randint(3, 9),
        control=control,
    )


def subjective(condition: Condition, rng: random.Random) -> str:
    history = rng.choice(HISTORY).format(
        job=rng.choice(JOBS),
        job_cap=rng.choice(JOBS).capitalize(),
        smoking=rng.choice(("Non-smoker", "Ex-smoker", "Smokes 10 a day")),
        sun=rng.choice(SUN),
        fh=rng.choice(("none known", "mother had a basal cell carcinoma", "father had melanoma")),
    )
    course = rng.choice(
        (
            "Reports steady improvement since the last visit and is using treatment as advised.",
            "Symptoms worse over the past month, particularly at night; sleep affected.",
            "Some improvement but finds the creams messy; adherence about half the time.",
            "No new concerns. Keen to continue the current plan.",
        )
    )
    return f"{condition.reason}. {course} {history}"


def addendum(rng: random.Random) -> str:
    return rng.choice(ADDENDA).format(histo=rng.choice(HISTOLOGY), dose="15 mg once weekly")


__all__ = [
    "CANCEL_REASONS",
    "CONDITIONS",
    "OTHER_MEDICATIONS",
    "WAITLIST_NOTES",
    "Condition",
    "addendum",
    "fill",
    "pick_allergy",
    "pick_condition",
    "subjective",
]
