from zhijiao.search import analyzer


def test_tokenizer_is_built_once_per_process():
    assert analyzer.tokenizer() is analyzer.tokenizer()


def test_education_terms_stay_whole():
    for term in ["勾股定理", "一元二次方程", "分数的初步认识", "多位数乘一位数", "学习任务单", "统编版", "人教版", "微课"]:
        assert term in analyzer.words(f"八年级{term}课件"), term
        assert term in analyzer.query_units(term)


def test_same_words_at_index_and_query_time():
    title = "人教版三年级上册 多位数乘一位数 学习任务单"
    indexed = set(analyzer.words(title))
    for query in ["多位数乘一位数", "三年级 学习任务单", "人教版"]:
        assert set(analyzer.query_units(query)) <= indexed, query


def test_bigrams_cover_partial_words_and_names():
    assert "勾股" in analyzer.grams("勾股定理")
    assert analyzer.grams("张伟") == ["张伟"]
    assert analyzer.grams("PPT课件 3D打印") == ["ppt", "课件", "3d", "打印"]
    assert analyzer.grams("圆") == ["圆"]


def test_normalise_fullwidth_and_case():
    assert analyzer.normalise("ＰＰＴ　课件") == "ppt 课件"
    assert analyzer.words("ＰＰＴ课件") == analyzer.words("ppt课件")


def test_punctuation_is_not_a_word():
    assert analyzer.words("！！！？？") == []
    assert analyzer.query_units("，。、") == []


def test_function_words_dropped_from_queries():
    assert "的" not in analyzer.query_units("勾股定理的证明")
    assert analyzer.query_units("的") == ["的"]


def test_highlight_escapes_and_marks():
    html = analyzer.highlight("<b>勾股定理</b> & 证明", analyzer.highlight_terms("勾股"))
    assert html == "&lt;b&gt;<mark>勾股</mark>定理&lt;/b&gt; &amp; 证明"
    assert analyzer.highlight("<i>x</i>", []) == "&lt;i&gt;x&lt;/i&gt;"


def test_highlight_snippet_window():
    text = "甲" * 200 + "勾股定理" + "乙" * 200
    html = analyzer.highlight(text, ["勾股定理"], limit=60)
    assert "<mark>勾股定理</mark>" in html
    assert html.startswith("…") and html.endswith("…")
    assert len(html) < 100


def test_catalog_lesson_titles_become_words():
    assert analyzer.add_terms(["大象的耳朵"]) in (0, 1)
    assert "大象的耳朵" in analyzer.query_units("大象的耳朵")


def test_the_words_jieba_gave():
    """rjieba replaced jieba's Python package: an index built with one is queried with the other, so the
    tokens must be jieba's (these are what jieba 0.42 gave, HMM on, punctuation dropped)."""
    assert analyzer.words("中华人民共和国勾股定理的证明") == [
        "中华", "华人", "人民", "共和", "共和国", "中华人民共和国", "定理", "勾股定理", "的", "证明"]
    assert analyzer.words("人教版三年级上册 多位数乘一位数 学习任务单") == [
        "人教版", "三年", "年级", "三年级", "上册", "多位", "位数", "一位", "位数", "多位数", "一位数", "多位数乘一位数",
        "学习", "任务", "任务单", "学习任务单"]
    # ASCII words joined by - _ . are split as jieba split them (jieba-rs keeps them whole); decimals stay
    assert analyzer.words("第1-2课时") == ["第", "1", "2", "课时"]
    assert analyzer.words("covid-19疫情 a_b x.y.z") == ["covid", "19", "疫情", "a", "b", "x", "y", "z"]
    assert analyzer.words("3.14 100% 0.5% c++ 1.2.3") == ["3.14", "100%", "0.5%", "c++", "1.2", "3"]
    assert analyzer.query_units("20-21学年 unit 3-4") == ["20", "21", "学年", "unit", "3", "4"]


def test_a_word_added_while_other_threads_segment():
    """rjieba segments without the GIL and refuses to change its dictionary meanwhile: adding a term during
    searches waits for them rather than failing."""
    import threading

    stop = threading.Event()

    def segment():
        while not stop.is_set():
            analyzer.tokenizer().cut_for_search("勾股定理的证明" * 2000)

    threads = [threading.Thread(target=segment) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        terms = [f"测试词语{i}号" for i in range(200)]
        assert analyzer.add_terms(terms) == 200
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert "测试词语7号" in analyzer.query_units("测试词语7号")
