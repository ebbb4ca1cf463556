"""Questions about subjects the helpdesk does not cover are declined, even when they share a word
(bid, register, tax, contract, a prefecture) with an entry; procurement questions stay answered."""

import pytest

from helpdesk.deciding import decide


@pytest.fixture(scope="module")
def real_engine(real_app):
    return real_app.extensions["engine_store"].current()


@pytest.mark.parametrize("question", [
    "How do I get a work visa for the engineers we send to Japan?",
    "Can we register our trademark in Japan before we bid?",
    "Do we need invoice registration for consumption tax as a foreign supplier?",
    "Is a revenue stamp needed on our service contract with a Japanese client?",
    "How do I bid in a court auction for a house in Osaka?",
    "インボイス登録をしないと取引先に不利ですか",
    "技術者の就労ビザはどうやって取りますか",
    "会社設立の登記にかかる費用は？",
    "What is the weather like in Tokyo in June?",
])
def test_uncovered_subjects_are_declined(real_engine, question):
    assert not decide(real_engine, question).answered, question


@pytest.mark.parametrize("question, topic", [
    ("Do we need a tax certificate to apply for the bid qualification?", "general"),
    ("Can a foreign company register for the Digital Marketplace?", "digital-marketplace"),
    ("How long is keishin valid?", "keishin"),
    ("大阪府の共同調達について", "joint-procurement"),
])
def test_procurement_questions_with_the_same_words_are_answered(real_engine, question, topic):
    decision = decide(real_engine, question)
    assert decision.answered and real_engine.entries[decision.answer_ids[0]]["topic"] == topic, question


def test_an_entry_that_names_the_subject_still_answers(real_engine):
    # pensions and social insurance are out of scope, but keishin's W score counts them
    question = "経審のW点で年金制度や社会保険は加点されますか"
    assert set(real_engine.out_of_scope_terms(question)) == {"年金", "社会保険"}
    decision = decide(real_engine, question)
    assert decision.answered and decision.answer_ids[0] == "keishin-w"


def test_a_prefecture_inside_a_domain_name_does_not_bring_its_desk(real_engine):
    decision = decide(real_engine, "Why does Tokyo need GovTech Tokyo?")
    assert decision.centre is None and decision.answer_ids[0] == "joint-procurement-govtech-tokyo"
    assert decide(real_engine, "consultancy desk in Tokyo").centre["code"] == "13"


def test_a_subject_mentioned_only_in_an_answer_does_not_exempt_the_entry(real_engine):
    """The about-page says in passing that the weather is not covered; that does not make a
    weather question one for it. The exemption needs an entry about the subject (title,
    questions, keywords)."""
    entry = real_engine.entries["general-about-assistant"]
    assert "weather" in entry["answer"]["en"].lower()
    assert not real_engine.names_subject("general-about-assistant", ["weather"])
    assert real_engine.names_subject("general-local-autonomy-act", ["auction"])   # its keywords name it


@pytest.mark.parametrize("question", [
    "Can a foreigner buy a house in Japan?",
    "What is the difference between an agent and a distributor in Japan?",
    "Which countries have a working holiday agreement with Japan?",
    "Do I need a Japanese representative director to open a company?",
    "What is the best way to find a Japanese distributor for our products?",
    "Which public holidays does Japan have in May?",   # "public" inside "public holidays" does not count
])
def test_english_questions_naming_nothing_of_procurement_are_declined(real_engine, question):
    decision = decide(real_engine, question)
    assert not real_engine.names_domain(decision.analysis)
    assert not decision.answered, (question, decision.answer_ids)


@pytest.mark.parametrize("question", [
    "Are site visits mandatory?",
    "Can offers be priced in foreign currency?",
    "When will my business get paid?",
    "I'd rather talk to an actual person - who can I contact?",
    "What is the standard screening day?",                # a curated domain term, no listed word
    "Is the e-bidding system open on public holidays?",
])
def test_english_questions_naming_procurement_pass_the_domain_check(real_engine, question):
    decision = decide(real_engine, question)
    assert real_engine.names_domain(decision.analysis), question
    assert decision.answered, question


def test_japanese_and_romaji_procurement_questions_pass_the_domain_check(real_engine):
    for question in ("担当者と話したい", "tantousha ni renraku shitai", "経審の有効期間は？"):
        decision = decide(real_engine, question)
        assert real_engine.names_domain(decision.analysis) and decision.answered, question


def test_a_generic_synonym_alone_does_not_name_the_domain(real_engine):
    # "registration" is a synonyms.yaml group, but listed as generic: a company registration is not a tender
    decision = decide(real_engine, "Must a foreign company complete a registration before trading continuously?")
    assert any(c.curated and c.label == "registration" for c in decision.analysis.concepts)
    assert not decision.answered


@pytest.mark.parametrize("question", [
    "最近よく眠れないんだけど、どうしたらいい？",
    "おいしいラーメン屋さんを教えて",
    "検疫所で届出が必要になるのはどんな場合ですか?",
])
def test_japanese_questions_naming_nothing_of_procurement_are_declined(real_engine, question):
    decision = decide(real_engine, question)
    assert not real_engine.names_domain(decision.analysis)
    assert not decision.answered, (question, decision.answer_ids)


def test_a_question_typed_in_hiragana_is_not_held_to_the_japanese_word_list(real_engine):
    decision = decide(real_engine, "でじたるまーけっとぷれいすってなに")
    assert real_engine.names_domain(decision.analysis) and decision.answered


def test_an_entry_naming_part_of_a_subject_does_not_exempt_the_whole(real_engine):
    """The brand-name entry is about trademarks in tender specifications, not about registering
    one: a registration question stays declined, a specification question is answered."""
    assert not decide(real_engine, "Can we register our trademark in Japan before we bid?").answered
    decision = decide(real_engine, "May a tender specification name a trademark?")
    assert decision.answered and decision.answer_ids[0] == "general-equivalent-products-brand-names"


@pytest.mark.parametrize("question, public", [
    ("Do I need a revenue stamp for an electronic contract with a city?", True),
    ("電子契約で市と契約する場合、収入印紙は必要ですか", True),
    ("Is a revenue stamp needed on our service contract with a Japanese client?", False),
    ("業務委託契約書に収入印紙は必要?不要?", False),
])
def test_an_uncovered_subject_is_answered_only_for_public_contracts(real_engine, question, public):
    """The e-contract entry covers stamp duty on contracts with public bodies; the same subject
    on a contract between companies is not ours, though the entry names it."""
    decision = decide(real_engine, question)
    assert decision.answered is public, (question, decision.answer_ids)
    if public:
        assert decision.answer_ids[0] == "general-electronic-contracts"


@pytest.mark.parametrize("question, entry", [
    ("What does preliminary market consultation mean?", "general-wto-plus-procedures"),
    ("中間前払金はどんな条件で請求できますか", "general-advance-payment"),
])
def test_a_question_an_entry_covers_whole_needs_no_listed_domain_word(real_engine, question, entry):
    """Neither question names a word of domain_words.yaml, but one entry covers every word of it."""
    decision = decide(real_engine, question)
    assert not real_engine.names_domain(decision.analysis)
    assert decision.answered and decision.answer_ids[0] == entry, (question, decision.answer_ids)


def test_the_words_of_an_uncovered_subject_do_not_tie_it_to_the_public_sector(real_engine):
    """The e-bidding hours entry names public holidays; "public" inside the subject is not a
    public body, so a holiday question stays declined though an entry covers it."""
    question = "Which public holidays does Japan have in May?"
    assert not real_engine.names_public_sector(question, real_engine.out_of_scope_terms(question))
    assert real_engine.names_public_sector("Is the city's e-bidding system open on public holidays?",
                                           ["public holidays"])
    assert not decide(real_engine, question).answered


def test_a_term_found_in_one_entry_of_a_topic_does_not_name_the_topic(real_engine):
    """Green procurement appears in full in one joint-procurement entry (the joint buying of
    electricity): that is chance, so the general green-procurement entry answers first."""
    decision = decide(real_engine, "How can ecolabels be used in green public procurement?")
    assert "joint-procurement" not in real_engine.named_topics(decision.analysis)
    assert decision.answered and decision.answer_ids[0] == "general-green-procurement", decision.answer_ids


def test_a_market_is_not_a_city(real_engine):
    """市 in 日本市場 (the Japanese market) names no city: the invoice entry covers invoices for
    public buyers, so a foreign firm's consumption-tax invoice question must stay declined, while
    the same subject asked about a city's payments is answered."""
    private = "日本市場参入を考える外国企業:消費税の「インボイス番号」は必要か?"
    assert not real_engine.names_public_sector(private, real_engine.out_of_scope_terms(private))
    assert not decide(real_engine, private).answered
    public = "市に納品したあと、請求書は適格請求書(インボイス)でないといけませんか"
    decision = decide(real_engine, public)
    assert decision.answered and decision.answer_ids[0] == "general-invoices-and-payment-method", decision.answer_ids


@pytest.mark.parametrize("question", [
    "[補助金の応募で、]現地法人は共同申請者として申請可能か。",
    "下請法の適用がある場合における代金支払期日は、どのように定めればいいのですか?",
    "県有財産はどのように売られるの?[島根県の県有地を一般競争入札で買いたいのですが。]",
    "We are a Polish software company that wants to hire three Japanese developers. What are typical salaries?",
    "[How should we approach] contract negotiation with a Japanese distributor?",
    "We hired our first employee in Tokyo; do we need an employment contract in Japanese?",
    "Can we hire staff in Osaka through a recruiting agency?",
])
def test_private_business_subjects_sharing_procurement_words_are_declined(real_engine, question):
    """Subsidies, the private Subcontract Act, sales of public land, hiring and distributor deals
    share 入札, 契約, 申請 or a nationality with entries but are not public procurement."""
    assert not decide(real_engine, question).answered, (question, decide(real_engine, question).answer_ids)


@pytest.mark.parametrize("question, entry", [
    ("[PFI事業で、]SPCは必ず設置しなければならないのでしょうか。", "general-pfi-ppp"),
    ("Can a German company take part in Japanese public tenders?", "general-foreign-companies-eligibility"),
    ("What is the proposal method (puropoozaru) and how is the winner chosen?", "general-proposal-method"),
    ("設立したばかりの会社でも全省庁統一資格は取れますか", "general-new-companies-eligibility"),
    ("Do Japanese cities prefer local firms in their tenders?", "kankouju-local-firm-preference"),
])
def test_procurement_questions_without_the_usual_words_are_answered(real_engine, question, entry):
    """PFI names the domain; a nationality names the foreign-company concept; new entries answer
    their subjects first."""
    decision = decide(real_engine, question)
    assert decision.answered and decision.answer_ids[0] == entry, (question, decision.answer_ids)


@pytest.mark.parametrize("question", [
    "Do Japanese ministries tender equipment hire?",
    "Can we bid for plant hire contracts with a Japanese city?",
])
def test_hire_of_equipment_is_not_hiring_people(real_engine, question):
    """Hiring people is out of scope; a tender for the hire of equipment or plant is procurement."""
    decision = decide(real_engine, question)
    assert decision.answered, (question, decision.confidence)


@pytest.mark.parametrize("question, entry", [
    ("落札率って何のこと?", "general-award-rate"),
    ("Can the deadline of our works contract with a prefecture be extended because of a typhoon?",
     "general-contract-changes-and-extensions"),
    ("総価契約単価合意方式について教えて", "general-lump-sum-unit-price-agreement"),
    ("Do we need a record of similar past contracts to bid for a Japanese city's IT tender?",
     "general-track-record-requirements"),
    ("実績がない会社でも入札に参加できますか", "general-track-record-requirements"),
    ("会社が合併したら市の入札参加資格は引き継がれますか", "general-registration-changes"),
    ("Our annual accounts are in euros: how do we present them for the unified qualification?",
     "general-foreign-financial-statements"),
    ("入札を途中で取りやめたい", "general-declining-withdrawing-bids"),
])
def test_this_rounds_entries_answer_their_subjects_first(real_engine, question, entry):
    """Award rate, contract changes, unit-price agreement, track record, registration changes and
    foreign accounts got entries this round; asked in words other than the entries' own, they lead."""
    decision = decide(real_engine, question)
    assert decision.answered and decision.answer_ids[0] == entry, (question, decision.answer_ids)
