"""Hotline routing classifier (热线分类器): what an operator sees in the suggestion."""

import json

import pytest

from backend.domain.errors import ValidationFailed
from hotline.services.classifier import (
    Classifier,
    PowerItem,
    load_default,
    load_departments,
    load_examples,
    main,
)

# Measured on the held-out split: 0.88 (89/101); 5-fold cross-validation on the train
# split gives 0.85. 0.80 leaves room for about eight more misses before the test fails.
DEPARTMENT_ACCURACY_FLOOR = 0.80

ITEMS = [
    PowerItem("mzj-001", "结婚登记", ("结婚证", "领证"), "mzj"),
    PowerItem("scjgj-002", "个体工商户设立登记", ("营业执照", "个体户"), "scjgj"),
    PowerItem("gaj-003", "身份证换领", ("身份证", "补办身份证"), "gaj"),
]


@pytest.fixture(scope="module")
def model():
    return load_default(ITEMS)


def keys_and_arrays(value, path="$"):
    """Yield (kind, path, key) for every key and for every array directly inside an array."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield "key", path, key
            yield from keys_and_arrays(inner, f"{path}/{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            if isinstance(inner, list):
                yield "nested_array", path, index
            yield from keys_and_arrays(inner, f"{path}/{index}")


def test_labelled_set_is_large_stratified_and_complete():
    examples = load_examples()
    test = load_examples("test")
    assert len(examples) >= 400
    assert 0.2 <= len(test) / len(examples) <= 0.3
    codes = {d.code for d in load_departments()}
    assert {e.department for e in test} == codes
    assert all(e.item for e in examples if e.type == "办事申请")


def test_department_accuracy_on_held_out_tickets_meets_the_floor(model):
    test = load_examples("test")
    right = sum(model.suggest(e.text).department_code == e.department for e in test)
    assert right / len(test) >= DEPARTMENT_ACCURACY_FLOOR


def test_township_accuracy_on_held_out_tickets_is_near_perfect(model):
    test = load_examples("test")
    right = sum(model.suggest(e.text).township == e.township for e in test)
    assert right / len(test) >= 0.95


def test_example_from_the_issue_goes_to_city_management_in_haoping(model):
    suggestion = model.suggest("蒿坪镇金石村路边有人倒建筑垃圾没人管")
    assert suggestion.department_code == "cgj"
    assert suggestion.department_name == "紫阳县城市管理执法局"
    assert suggestion.township == "haoping"
    assert suggestion.township_name == "蒿坪镇"


@pytest.mark.parametrize("text, township", [
    ("汉王镇街上的路灯坏了", "hanwang"),
    ("我们红椿这边停水三天了", "hongchun"),
    ("麻烦问一下，城关的婚姻登记在哪里办", "chengguan"),
    ("双安镇白鱼村有人偷砍树", "shuangan"),
])
def test_township_is_found_from_full_names_and_short_forms(model, text, township):
    assert model.suggest(text).township == township


def test_township_is_found_from_a_village_learned_from_labelled_tickets(model):
    assert model.suggest("我们金石村这里的垃圾好几天没人拉").township == "haoping"


def test_no_township_is_suggested_when_none_is_named(model):
    assert model.suggest("小区门口的路灯坏了一个月了").township is None


def test_evidence_lists_the_words_that_decided_the_department(model):
    suggestion = model.suggest("我们村低保申请了半年还没批下来")
    assert suggestion.department_code == "mzj"
    words = [word for word, _ in suggestion.evidence]
    assert words[0] == "低保"
    assert all(weight > 0 for _, weight in suggestion.evidence)


def test_duty_keywords_route_tickets_before_any_training():
    untrained = Classifier(load_departments())
    assert untrained.suggest("医保异地就医备案怎么弄").department_code == "ylbzj"
    assert untrained.suggest("山上有人偷偷砍树").department_code == "lyj"


def test_confidence_is_high_for_a_clear_ticket_and_low_for_a_vague_one(model):
    clear = model.suggest("出租车司机不打表还拒载")
    vague = model.suggest("我想问一下这个事情怎么弄")
    assert 0.8 <= clear.confidence <= 1.0
    assert 0.0 <= vague.confidence < 0.5


def test_a_correction_changes_the_next_suggestion_for_a_similar_text():
    model = load_default()
    before = model.suggest("小区门口的快递柜占了消防通道")
    assert before.department_code != "gaj"
    model.add_correction("快递柜把小区的消防通道占了，没人管", "gaj", None)
    after = model.suggest("小区门口的快递柜占了消防通道")
    assert after.department_code == "gaj"
    assert "快递" in [word for word, _ in after.evidence]


def test_a_correction_teaches_the_township_of_a_new_village():
    model = load_default()
    assert model.suggest("青岗村的河堤垮了").township is None
    model.add_correction("洞河镇青岗村的河堤垮了一段", "slj", "donghe")
    assert model.suggest("青岗村的河堤垮了").township == "donghe"


def test_a_correction_to_an_unknown_department_is_refused(model):
    with pytest.raises(ValidationFailed) as caught:
        model.add_correction("路灯坏了", "nosuch", None)
    assert caught.value.code == "unknown_department"


def test_stored_model_gives_identical_suggestions_after_a_round_trip():
    model = load_default(ITEMS)
    model.add_correction("城关镇新桥社区的快递柜占了消防通道", "gaj", "chengguan")
    document = json.loads(json.dumps(model.to_dict(), ensure_ascii=False))
    restored = Classifier.from_dict(document, ITEMS)
    for example in load_examples("test"):
        assert restored.suggest(example.text) == model.suggest(example.text)
    assert restored.to_dict() == model.to_dict()


def test_model_document_has_no_dotted_or_dollar_keys_and_no_nested_arrays():
    model = load_default()
    model.add_correction("网站 www.gov.cn 上 $where 的 3.5 版本打不开", "zwfw", None)
    findings = list(keys_and_arrays(model.to_dict()))
    keys = [key for kind, _, key in findings if kind == "key"]
    assert keys
    assert not [key for key in keys if "." in key or key.startswith("$")]
    assert not [f for f in findings if f[0] == "nested_array"]
    tokens = [row["token"] for row in model.to_dict()["department_counts"]]
    assert not [t for t in tokens if "." in t or t.startswith("$")]


def test_two_models_trained_alike_suggest_alike():
    first, second = load_default(), load_default()
    for example in load_examples("test")[:30]:
        assert first.suggest(example.text) == second.suggest(example.text)


def test_retraining_forgets_what_it_was_not_given():
    model = load_default()
    model.add_correction("快递柜把小区的消防通道占了，没人管", "gaj", None)
    model.train(load_examples("train"))
    assert model.suggest("小区门口的快递柜占了消防通道") == load_default().suggest("小区门口的快递柜占了消防通道")


@pytest.mark.parametrize("text, item", [
    ("我们准备下个月领结婚证，要带什么", "mzj-001"),
    ("想办个营业执照，开个小卖部", "scjgj-002"),
    ("身份证丢了怎么补办", "gaj-003"),
])
def test_power_list_item_is_suggested_for_applications(model, text, item):
    assert model.suggest(text).item_code == item


def test_no_item_is_suggested_for_a_complaint(model):
    assert model.suggest("街上的路灯坏了一个月了没人修").item_code is None


def test_classify_command_prints_one_json_object(capsys):
    assert main(["classify", "蒿坪镇金石村路边有人倒建筑垃圾没人管"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["department"] == {"code": "cgj", "name": "紫阳县城市管理执法局"}
    assert printed["township"] == {"code": "haoping", "name": "蒿坪镇"}
    assert printed["item"] is None
    assert 0 < printed["confidence"] <= 1
    assert "垃圾" in [row["word"] for row in printed["evidence"]]
