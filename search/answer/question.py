"""What a question asks: the kind of answer, the place, the period, the counted thing.

Works on Vietnamese with or without diacritics and on English, by matching folded
(accent-free, lower-case) text. English content words are mapped to the Vietnamese
terms the reports use, so an English question retrieves and is answered from the
Vietnamese text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, asdict

from indexer.gazetteer import find_districts, find_provinces
from indexer.textnorm import normalize_text, search_key

# (folded pattern, answer type); first match wins, so specific patterns come first
ASKS_PATTERNS = [
    (r"\b(bao nhieu phan tram|ty le|ti le|bao nhieu %|what (share|percentage|proportion|percent|rate)|"
     r"how many percent|percentage of|share of)\b", "percent"),
    (r"\b(khi nao|ngay nao|ngay bao nhieu|thoi gian nao|luc nao|vao ngay|when|what date|which date|"
     r"what day|on what day)\b", "date"),
    (r"\b(nam nao|which year|what year)\b", "date"),
    (r"\b(bao nhieu|may (don|vu|luot|nguoi|xa|huyen|mo hinh|cuoc|lan|van ban|ho|ngay|thang|nam|tuan|gio|buoc|bac|cap|loai|thu tuc)|thu may|xep thu|how many|how much|"
     r"number of|what number|so luong)\b", "number"),
    (r"\b(ai|la ai|nguoi nao|who|whom|co quan nao|don vi nao|which (agency|body|office|department|"
     r"organi[sz]ation|unit)|what (agency|body|office)|o dau|tai dau|noi nao|tinh nao|huyen nao|xa nao|where|"
     r"which (district|province|commune|city|directive|document|plan))\b", "entity"),
    # durations, ages, limits and fines asked without "bao nhiêu" ("thời hiệu … là bao lâu",
    # "how long", "at what age", "what is the maximum fine"): a figure answers, not a passage
    (r"\b(bao lau|how long|what age|which age|tuoi nao|time limits?|thoi han|thoi hieu|muc phat|muc luong|"
     r"maximum|minimum|toi da|toi thieu|upper age|age limit|term of|retirement age|deduction|population|"
     r"land area|area|ranking|cap on)\b", "number"),
    (r"\b(rate|growth rate)\b", "percent"),
]
ENTITY_KINDS = [
    (r"\b(co quan nao|don vi nao|to chuc nao|ban nao|so nao|which (agency|body|office|department|organi[sz]ation|unit)|"
     r"what (agency|body|office)|tham quyen|competent|gui|sent to)\b", "organisation"),
    (r"\b(o dau|noi nao|tinh nao|huyen nao|xa nao|dia phuong nao|where|which (district|province|commune|city))\b",
     "place"),
    (r"\b(van ban nao|chi thi nao|nghi quyet nao|ke hoach nao|which (directive|document|plan|resolution))\b",
     "directive"),
    (r"\b(ai|la ai|nguoi nao|who|whom|ky|signed)\b", "person"),
]

# English content words → the Vietnamese the reports use (folded and accented forms both work
# for BM25; accented text helps the encoder)
ENGLISH_TERMS = {
    "complaint": "khiếu nại", "complaints": "khiếu nại", "denunciation": "tố cáo", "denunciations": "tố cáo",
    "accusations": "tố cáo", "petition": "đơn thư", "petitions": "đơn thư", "letters": "đơn thư",
    "applications": "đơn", "citizen": "công dân", "citizens": "công dân", "reception": "tiếp công dân",
    "received": "tiếp nhận", "receive": "tiếp nhận", "resolve": "giải quyết", "resolved": "giải quyết",
    "settled": "giải quyết", "settle": "giải quyết", "handled": "giải quyết", "cases": "vụ việc",
    "case": "vụ việc", "dialogue": "đối thoại", "dialogues": "đối thoại", "mediation": "hòa giải",
    "mediated": "hòa giải", "court": "tòa án", "courts": "tòa án", "administrative": "hành chính",
    "procedures": "thủ tục hành chính", "procedure": "thủ tục", "reform": "cải cách", "commune": "xã",
    "communes": "xã", "district": "huyện", "districts": "huyện", "province": "tỉnh", "models": "mô hình",
    "model": "mô hình", "households": "hộ", "villages": "thôn", "meetings": "hội nghị", "meeting": "hội nghị",
    "conference": "hội nghị", "inspections": "thanh tra", "inspection": "thanh tra", "documents": "văn bản",
    "resolutions": "nghị quyết", "directives": "chỉ thị", "directive": "chỉ thị", "plans": "kế hoạch",
    "plan": "kế hoạch", "conclusion": "kết luận", "growth": "tăng trưởng", "budget": "ngân sách",
    "revenue": "thu ngân sách", "population": "dân số", "area": "diện tích", "staff": "cán bộ",
    "officials": "cán bộ công chức", "civil": "công chức", "servants": "công chức", "signed": "ký",
    "signer": "ký", "held": "tổ chức", "organized": "tổ chức", "rural": "nông thôn mới", "poverty": "giảm nghèo",
    "grassroots": "cơ sở", "democracy": "dân chủ", "mass": "dân vận", "mobilization": "dân vận",
    "mobilisation": "dân vận", "skillful": "dân vận khéo", "religions": "tôn giáo", "ethnic": "dân tộc",
    "chairman": "chủ tịch", "chairwoman": "chủ tịch", "people's": "nhân dân", "committee": "ủy ban",
    "council": "hội đồng nhân dân", "front": "mặt trận tổ quốc", "fatherland": "mặt trận tổ quốc",
    "online": "trực tuyến", "services": "dịch vụ công", "public": "công", "rate": "tỷ lệ", "visits": "lượt",
    "times": "lượt", "people": "người", "persons": "người", "units": "đơn vị", "agencies": "cơ quan",
    "payroll": "biên chế", "reduced": "giảm", "merged": "sáp nhập", "land": "đất đai", "disputes": "tranh chấp",
    "feedback": "phản ánh", "jurisdiction": "thẩm quyền", "competence": "thẩm quyền",
    "under": "thuộc", "total": "tổng số", "discipline": "kỷ luật", "disciplined": "kỷ luật",
    "inter-agency": "liên ngành", "interagency": "liên ngành", "inspect": "kiểm tra", "inspected": "kiểm tra",
    "teams": "đoàn", "team": "đoàn", "check": "kiểm tra", "checked": "kiểm tra", "issued": "ban hành",
    "transferred": "chuyển", "transfer": "chuyển", "identified": "xác định", "initiative": "chủ động",
    "review": "rà soát", "working": "tổ công tác", "group": "tổ", "long-running": "kéo dài",
    "reprimanded": "khiển trách", "dismissed": "thôi việc", "teacher": "giáo viên", "school": "trường",
    "target": "mục tiêu", "poor": "hộ nghèo",
    "fine": "phạt tiền", "fines": "phạt tiền", "age": "tuổi", "old": "tuổi",
    "deadline": "thời hạn", "limit": "thời hạn", "statute": "thời hiệu", "limitation": "thời hiệu",
    "tax": "thuế", "vat": "thuế giá trị gia tăng", "valid": "hiệu lực", "effect": "hiệu lực", "reports": "báo cáo", "report": "báo cáo", "recommendations": "kiến nghị", "months": "tháng", "first": "đầu",
    # the vocabulary of reports on personnel, reform and the economy
    "cadre": "cán bộ", "cadres": "cán bộ", "servant": "công chức", "secretary": "bí thư", "secretaries": "bí thư",
    "party": "đảng", "standing": "thường trực", "steering": "ban chỉ đạo", "politburo": "bộ chính trị",
    "government": "chính phủ", "inspectorate": "thanh tra", "agency": "cơ quan", "department": "sở",
    "departments": "sở ngành", "provincial": "tỉnh", "authorities": "chính quyền", "delegates": "đại biểu",
    "deputies": "đại biểu", "reorganisation": "sắp xếp", "reorganization": "sắp xếp", "merging": "sáp nhập",
    "downsize": "tinh giản", "downsizing": "tinh giản", "streamlining": "tinh giản", "managerial": "lãnh đạo quản lý",
    "positions": "vị trí", "posts": "vị trí", "programme": "chương trình", "program": "chương trình",
    "project": "dự án", "development": "phát triển", "national": "quốc gia", "ranking": "xếp hạng",
    "ranked": "xếp hạng", "index": "chỉ số", "average": "bình quân", "economic": "kinh tế", "economy": "kinh tế",
    "industry": "công nghiệp", "construction": "xây dựng", "agriculture": "nông nghiệp", "sector": "ngành",
    "farms": "trang trại", "farm": "trang trại", "income": "thu nhập", "residents": "người dân",
    "contribute": "đóng góp", "contributed": "đóng góp", "contributions": "đóng góp", "money": "tiền",
    "dossiers": "hồ sơ", "dossier": "hồ sơ", "centre": "trung tâm", "center": "trung tâm", "portal": "cổng",
    "electronic": "điện tử", "digitally": "ký số", "decree": "nghị định", "decrees": "nghị định",
    "decision": "quyết định", "decisions": "quyết định", "regulation": "quy chế", "upheld": "giữ nguyên",
    "uphold": "giữ nguyên", "annulled": "hủy", "remaining": "còn lại", "bright": "điểm sáng", "spots": "điểm sáng",
    "prime": "thủ tướng", "minister": "bộ trưởng", "women": "phụ nữ", "youth": "thanh niên", "farmers": "nông dân",
    "veterans": "cựu chiến binh",
    # the vocabulary of laws
    "law": "luật", "code": "bộ luật", "article": "điều", "maximum": "tối đa", "minimum": "tối thiểu",
    "day": "ngày", "days": "ngày", "labour": "lao động", "labor": "lao động", "worker": "người lao động",
    "workers": "người lao động", "employee": "người lao động", "employees": "người lao động",
    "employer": "người sử dụng lao động", "salary": "tiền lương", "wage": "tiền lương", "wages": "tiền lương",
    "overtime": "làm thêm giờ", "probation": "thử việc", "retirement": "nghỉ hưu", "pension": "lương hưu",
    "insurance": "bảo hiểm", "social": "xã hội", "registration": "đăng ký", "certificate": "giấy chứng nhận",
    "enterprise": "doanh nghiệp", "enterprises": "doanh nghiệp", "corporate": "doanh nghiệp", "business": "kinh doanh",
    "taxpayer": "người nộp thuế", "property": "tài sản", "estate": "di sản", "heirs": "người thừa kế",
    "inheritance": "thừa kế", "marriage": "kết hôn", "child": "trẻ em", "children": "trẻ em", "family": "gia đình",
    "residence": "cư trú", "temporary": "tạm trú", "permanent": "thường trú", "criminal": "hình sự",
    "offence": "tội", "offense": "tội", "imprisonment": "phạt tù", "prison": "tù", "amnesty": "đặc xá",
    "traffic": "giao thông", "road": "đường bộ", "alcohol": "rượu bia", "military": "quân sự",
    "identity": "căn cước", "citizenship": "quốc tịch", "nationality": "quốc tịch", "election": "bầu cử",
    "contract": "hợp đồng", "appeal": "kháng cáo", "penalty": "phạt", "individual": "cá nhân",
    "individuals": "cá nhân", "organisation": "tổ chức", "organisations": "tổ chức", "organization": "tổ chức",
    "organizations": "tổ chức", "personal": "cá nhân",
}

ENGLISH_MARKERS = {"how", "what", "when", "who", "which", "did", "does", "many", "much", "the", "of", "in",
                   "between", "and", "were", "was", "is", "are", "during", "from", "by"}

YEAR = r"(?:19|20)\d{2}"
PERIOD_PATTERNS = [
    re.compile(rf"(?:giai doan|tu nam|tu|between|from|period)?\s*({YEAR})\s*(?:-|–|—|den|toi|to|and|through)\s*(?:nam\s*)?({YEAR})"),
    re.compile(rf"\b({YEAR})\b"),
]
QUESTION_PHRASES = re.compile(r"\b(bao nhieu|giai doan|khi nao|ngay nao|nam nao|nhu the nao|la gi|la ai|"
                              r"thoi gian nao|luc nao|co bao nhieu|duoc bao nhieu)\b")
# function words dropped from keywords; the English set only for English questions, since
# folded Vietnamese syllables collide with it ("to" is tố/tổ, "an" is an, "do" is độ)
QUESTION_WORDS_VI = {"may", "nao", "khi", "ai", "gi", "la", "co", "khong", "duoc", "da", "cua", "the", "nhu",
                     "ra", "sao", "ngay", "tai", "o", "trong", "va", "cac", "nhung", "nam", "tu", "den"}
QUESTION_WORDS_EN = {"how", "many", "much", "what", "when", "who", "which", "did", "does", "do", "is", "are",
                     "was", "were", "the", "a", "an", "of", "in", "on", "at", "to", "from", "between", "and",
                     "by", "for", "with", "during", "its", "their", "there", "year", "years", "period", "share",
                     "percentage", "number"}


@dataclass
class QuestionAnalysis:
    question: str
    language: str  # "vi" | "en"
    asks: str  # number | percent | date | entity | passage
    province: str | None = None
    district: str | None = None
    years: tuple[int, int] | None = None
    law_year: tuple[int, int] | None = None              # the year of the law named ("Luật … 2019")
    counted: str | None = None  # the counted thing, in Vietnamese ("đơn khiếu nại")
    keywords: list[str] = field(default_factory=list)  # folded content syllables
    retrieval_query: str = ""
    predicates: list[str] = field(default_factory=list)  # predicate groups asked (indexer.clauses.PREDICATES)
    levels: list[str] = field(default_factory=list)      # administrative levels named: tinh / huyen / xa
    sub_period: str | None = None                        # "h1" (6 tháng đầu năm), "q1", "m5" …
    entity_kind: str | None = None                       # person | organisation | place | directive | None
    names_unit: bool = False                             # names a sub-unit (Sở, Thanh tra, cấp …), not the whole
    compare: bool = False                                # asks to compare places or years: a table answers
    # no document is about the place asked, but some name it in their text: those are read, and an
    # answer must stand where the place is named, in its own clause (set by the answerer's scope)
    place_named_only: bool = False
    # the question asks about a document itself — who signed it, which body issued it, when —
    # which its metadata answers: "signer" | "issuer" | "date" | None (document_field_asked)
    document_field: str | None = None
    document_noun: str | None = None                     # the document named: "bao cao", "bai viet", "report" …

    def to_dict(self) -> dict:
        data = asdict(self)
        data["years"] = list(self.years) if self.years else None
        return data


def _folded(text: str) -> str:
    return search_key(text)


def detect_language(question: str) -> str:
    # place names may carry diacritics in an English question: count English words instead
    words = re.findall(r"[a-z']+", _folded(question))
    english = sum(1 for w in words if w in ENGLISH_MARKERS or english_term(w))
    return "en" if words and english >= max(2, int(0.4 * len(words))) else "vi"


def detect_asks(folded: str) -> str:
    for pattern, asks in ASKS_PATTERNS:
        if re.search(pattern, folded):
            return asks
    return "passage"


COMPARED_YEAR = re.compile(r"\b(?:so voi|compared (?:with|to)|than)\s+(?:cung ky\s+)?(?:nam\s+|in\s+)?(?:19|20)\d{2}\b")


def detect_years(folded: str) -> tuple[int, int] | None:
    folded = COMPARED_YEAR.sub(" ", folded)  # "giảm 25,5% so với năm 2021": 2021 is not the period asked
    m = PERIOD_PATTERNS[0].search(folded)
    if m:
        low, high = sorted((int(m.group(1)), int(m.group(2))))
        return low, high
    years = [int(y) for y in PERIOD_PATTERNS[1].findall(folded)]
    if years:
        return min(years), max(years)
    return None


def detect_counted(question: str, language: str) -> str | None:
    """The noun phrase after 'bao nhiêu' / 'mấy' (Vietnamese) or the mapped English noun."""
    text = normalize_text(question)
    if language == "vi":
        m = re.search(r"(?i)(?:bao\s+nhi[eêế]u|m[aấ]y)\s+((?:[^\W\d_]+\s*){1,4})", text)
        if m:
            words = m.group(1).split()
            stop = {"giai", "trong", "tại", "năm", "của", "đã", "được", "đến", "với", "để", "cho", "từ", "về",
                    "ở", "và", "so", "khi", "theo", "thuộc", "trên", "là", "tính", "tới"}
            kept = []
            for word in words:
                if _folded(word) in {_folded(s) for s in stop}:
                    break
                kept.append(word)
            return " ".join(kept) or None
        return None
    words = re.findall(r"[a-z']+", _folded(question))
    for i, word in enumerate(words):
        if word in ("many", "much") and i + 1 < len(words):
            for nxt in words[i + 1:i + 4]:
                if english_term(nxt):
                    return english_term(nxt)
    return None


def english_term(word: str) -> str | None:
    """The Vietnamese term for an English word, trying its singular ('denunciations')."""
    for form in (word, word[:-1] if word.endswith("s") else None, word[:-2] if word.endswith("es") else None):
        if form and form in ENGLISH_TERMS:
            return ENGLISH_TERMS[form]
    return None


def english_to_vietnamese_terms(question: str) -> list[str]:
    terms = []
    for word in re.findall(r"[a-z']+", _folded(question)):
        term = english_term(word)
        if term and term not in terms:
            terms.append(term)
    return terms


DISTRICT_IN_QUERY = re.compile(r"\b(?:huyen|thi xa|thanh pho|tp)\s+([a-z]+(?:\s+[a-z]+)?)")
ENGLISH_DISTRICT = re.compile(r"\b([A-ZĐ][\w]+(?:\s+[A-ZĐ][\w]+)?)\s+(?:city|district|town)\b")


def _district_in_query(folded: str, question: str, known: dict[str, str]) -> str | None:
    """'huyen binh son', 'huyen son tinh', 'Vinh city': a district named in a question, even
    lower-case and unaccented, if the corpus or the gazetteer's curated list knows it. A
    district the corpus has no document about is still returned, so the answer abstains
    instead of quoting another district."""
    from indexer.gazetteer import _DISTRICT_INDEX  # folded name → (canonical, province)

    candidates = [m.group(1) for m in DISTRICT_IN_QUERY.finditer(folded)]
    candidates += [_folded(m.group(1)) for m in ENGLISH_DISTRICT.finditer(normalize_text(question))]
    for candidate in candidates:
        words = candidate.split()
        for key in (" ".join(words[:2]), words[0]):
            if key in known:
                return known[key]
            if key in _DISTRICT_INDEX:
                return _DISTRICT_INDEX[key][0]
    return None


def analyze_question(question: str, known_districts: dict[str, str] | None = None) -> QuestionAnalysis:
    """`known_districts`: folded district name → canonical, from the indexed documents'
    metadata, so "Binh Son" is recognised without the word "huyện"."""
    folded = _folded(question)
    language = detect_language(question)
    asks = detect_asks(folded)
    provinces = find_provinces(question, query=True)
    province = provinces[0][0] if provinces else None
    district = None
    found = find_districts(question)
    if found:
        district = found[0][1]
    elif known_districts:
        for key, name in sorted(known_districts.items(), key=lambda kv: -len(kv[0])):
            if re.search(rf"(?<!\w){re.escape(key)}(?!\w)", folded):
                district = name
                break
    if district is None:
        district = _district_in_query(folded, question, known_districts or {})
    if district and province and _folded(district) == _folded(province):
        province = None  # "thành phố X" named after its province: the district is the place asked
    years = detect_years(folded)
    law_year = None
    if years and not (province or district) and NAMES_A_LAW.search(folded):
        # "Bộ luật Lao động 2019", "the 2015 Civil Code": the year names the law, it is not the
        # period a figure must be of (a law's articles state no year next to their figures)
        law_year, years = years, None
    counted = detect_counted(question, language)
    place_words = set()
    for name in filter(None, (province, district)):
        place_words.update(_folded(name).split())
    from indexer.analysis import expand_abbreviations

    expanded = _folded(expand_abbreviations(question))
    keywords = list(dict.fromkeys(
        w for w in re.findall(r"[^\W_]+", QUESTION_PHRASES.sub(" ", expanded))
        if w not in QUESTION_WORDS_VI and w not in place_words and not re.fullmatch(YEAR, w)))
    retrieval_query = question
    if language == "en":
        mapped = english_to_vietnamese_terms(question)
        retrieval_query = question + " " + " ".join(mapped)
        keywords = [w for term in mapped for w in _folded(term).split()]
    from indexer.clauses import levels_in, predicates_in, sub_period_key
    from indexer.clauses import folded as clause_folded

    question_key = clause_folded(question)
    predicates = list(dict.fromkeys(g for _, _, g in predicates_in(QUESTION_PHRASES.sub(" ", question_key))))
    entity_kind = None
    if asks == "entity":
        entity_kind = next((kind for pattern, kind in ENTITY_KINDS if re.search(pattern, folded)), "organisation")
    names_unit = bool(NAMED_UNIT.search(question_key))
    document_field, document_noun = document_field_asked(folded, asks)
    return QuestionAnalysis(question=question, language=language, asks=asks, province=province,
                            district=district, years=years, law_year=law_year, counted=counted, keywords=keywords,
                            retrieval_query=retrieval_query, predicates=predicates,
                            levels=sorted(levels_in(question_key)), sub_period=sub_period_key(question_key),
                            entity_kind=entity_kind, names_unit=names_unit, compare=bool(COMPARE.search(folded)),
                            document_field=document_field, document_noun=document_noun)


# the document a question is about, as the object of its verb ("ký báo cáo", "tác giả bài viết",
# "signed the report"): a plan or a directive named instead ("Ai ký Kế hoạch số 31/KH-UBND?") is
# another document, whose metadata the index does not hold
DOCUMENT_NOUN = r"(bao cao|bai viet|bai bao|tin bai|van ban|report|article|document)"
OTHER_DOCUMENT = (r"(?:ke hoach|chi thi|quyet dinh|nghi quyet|ket luan|cong van|quy che|quy dinh|huong dan|thong bao|"
                  r"luat|plan|directive|decision|resolution|conclusion|regulation|law|decree|nghi dinh)\b")
# up to three words between the verb and its document ("signed the Bình Sơn report"), none naming another document
GAP = rf"(?:\s+(?!{OTHER_DOCUMENT})[a-z0-9]+){{0,3}}?\s+"
# from the document's noun to the verb asked about, nothing naming another document between
# ("Theo báo cáo …, Chỉ thị số 26/CT-TTg … được ban hành ngày nào?" asks about the directive)
SPAN = rf"(?:(?!{OTHER_DOCUMENT})[^?])*?"
NOT_SOURCE = r"(?<!theo )(?<!according to the )(?<!according to )"
DOCUMENT_FIELDS = [
    ("signer", re.compile(rf"\b(?:ky|signed|tac gia(?: cua)?|author of|wrote|viet){GAP}{DOCUMENT_NOUN}\b")),
    ("signer", re.compile(rf"{NOT_SOURCE}\b{DOCUMENT_NOUN}\b{SPAN}\b(?:do ai ky|ai ky|duoc ky boi|nguoi ky|signed by|"
                          rf"do ai viet|tac gia la ai|written by)\b")),
    ("issuer", re.compile(rf"\b(?:co quan nao|don vi nao|which (?:agency|body|office|department|organi[sz]ation)|"
                          rf"what (?:agency|body|office))\s+(?:da\s+)?(?:ban hanh|issued|lap|made|wrote|viet){GAP}"
                          rf"{DOCUMENT_NOUN}\b")),
    ("issuer", re.compile(rf"{NOT_SOURCE}\b{DOCUMENT_NOUN}\b{SPAN}\b(?:do co quan nao|do don vi nao|co quan nao ban hanh|"
                          rf"issued by which|by which (?:agency|body))\b")),
    ("date", re.compile(rf"{NOT_SOURCE}\b{DOCUMENT_NOUN}\b{SPAN}\b(?:duoc |da )?(?:ban hanh|ky|issued|signed|dated|viet|"
                        rf"written)\s+(?:vao\s+|on\s+)?(?:khi nao|ngay nao|thang nao|luc nao|when)\b")),
    ("date", re.compile(rf"\b(?:when|what date|which date|khi nao|ngay nao|thang nao)\b{SPAN}\b(?:was|were|did)\b{SPAN}"
                        rf"\b{DOCUMENT_NOUN}\b{SPAN}\b(?:issued|signed|dated|written)\b")),
]


def document_field_asked(folded: str, asks: str) -> tuple[str | None, str | None]:
    """(which field of a document's own metadata answers the question, the document's noun):
    "Ai ký báo cáo của huyện Bình Sơn năm 2021?" → ("signer", "bao cao"); "Which agency issued
    the Bắc Giang report …?" → ("issuer", "report"); "Báo cáo … được ban hành khi nào?" → ("date", …)."""
    if asks not in ("entity", "date"):
        return None, None
    for field, pattern in DOCUMENT_FIELDS:
        if (field == "date") != (asks == "date"):
            continue
        if field == "signer" and not re.search(r"\b(ai|who|whom)\b", folded):
            continue  # "What position does the author … hold?" asks something else of the signer
        m = pattern.search(folded)
        if m:
            return field, m.group(1)
    return None, None


NAMES_A_LAW = re.compile(r"(?<!ky )(?<!phap )\b(luat|phap lenh|law|code)\b")
COMPARE = re.compile(r"\b(so sanh|giua cac (tinh|huyen|dia phuong|nam)|cac tinh|theo tinh|tung tinh|moi tinh|"
                     r"compare|comparison|by province|by year|across provinces|each province|per province)\b")


def indicator_phrase(question: str) -> str:
    """The indicator a comparison question names: 'So sánh số đơn khiếu nại đã giải quyết giữa
    các tỉnh' → 'số đơn khiếu nại đã giải quyết' (comparison words, places, years dropped)."""
    text = normalize_text(question)
    for _, start, end in sorted(find_provinces(text, query=True), key=lambda p: -p[1]):
        text = text[:start] + " " + text[end:]
    folded = _folded(text)
    words = text.split()
    keys = folded.split()
    drop = set()
    for m in re.finditer(COMPARE.pattern + r"|\b(?:19|20)\d{2}\b|\b(giai doan|giua|nam|tu|den|va|cua|o|tai|"
                         r"bao nhieu|nhu the nao|the nao|between|and|in|of|from|to|how many|did|do|the)\b", folded):
        start = len(folded[:m.start()].split())
        drop.update(range(start, start + len(m.group(0).split())))
    kept = [w for i, w in enumerate(words) if i not in drop and i < len(keys)]
    return " ".join(kept).strip(" ?.,") or question


NAMED_UNIT = re.compile(r"\b(thanh tra|so|ban|cap|phong|toa an|doan|hoi dong|uy ban|chu tich|giam doc|"
                        r"department|inspectorate|court|committee|chairman|council|director)\b")


def out_of_scope_reason(place: str | None, about_place: int, years: tuple[int, int] | None) -> str:
    """Why no document may answer: none about the place asked, or none covering the period
    asked (`about_place`: how many documents are about the place)."""
    if place and not about_place:
        return f"Kho văn bản không có tài liệu nào về {place} (no document about {place} in the corpus)."
    if not years:  # nothing asked of place or period: the filters left no document
        return "Không có tài liệu nào khớp các bộ lọc đã chọn (no document matches the filters)."
    period = ""
    if years:
        period = str(years[0]) if years[0] == years[1] else f"{years[0]}–{years[1]}"
    what = f"về {place} " if place else ""
    return (f"Không có tài liệu {what}cho giai đoạn {period} "
            f"(no document {('about ' + place + ' ') if place else ''}covers {period}).")
