from tests.matrix import Case

CASES = [
    Case("catalog:browse", lambda w: "/catalog/?book=rj-sx-g3a", allowed="xuesheng", denied=None,
         note="any signed-in user; anonymous goes to login"),
    Case("catalog:manage", lambda w: "/catalog/manage/", allowed="qu_admin", denied="xiao_admin",
         note="district admins only"),
    Case("catalog:manage", lambda w: "/catalog/manage/", allowed="qu_admin", denied="laoshi", method="POST",
         allowed_status=frozenset({422}), note="POST without a file: form error for the admin"),
    Case("catalog:export", lambda w: "/catalog/manage/export?format=json", allowed="qu_admin", denied="xiao_cio"),
    Case("GET /api/v1/catalog/books", lambda w: "/api/v1/catalog/books?stage=xx&subject=sx", allowed="laoshi",
         denied=None, api=True),
    Case("GET /api/v1/catalog/books/{code}/chapters", lambda w: "/api/v1/catalog/books/rj-sx-g3a/chapters",
         allowed="xuesheng", denied=None, api=True),
]
