from tests.matrix import Case

CASES = [
    Case("cockpit:district", lambda w: "/cockpit/", allowed="qu_admin", denied="xiao_admin",
         note="district cockpit: district admin yes, school admin no"),
    Case("cockpit:district", lambda w: "/cockpit/", allowed="duxue", denied="laoshi", note="supervisor yes, teacher no"),
    Case("cockpit:district", lambda w: "/cockpit/?period=7&export=ranking", allowed="qu_admin", denied="xuesheng",
         note="export: student no"),
    Case("cockpit:school", lambda w: f"/cockpit/school/{w.school(0).pk}/", allowed="xiao_cio", denied="laoshi",
         note="own school: CIO yes, teacher no"),
    Case("cockpit:school", lambda w: f"/cockpit/school/{w.school(1).pk}/", allowed="qu_admin", denied="xiao_cio",
         note="another school: 404 for the first school's CIO"),
    Case("cockpit:school", lambda w: f"/cockpit/school/{w.school(0).pk}/?export=teachers", allowed="xiao_admin",
         denied="jiazhang", note="export teachers: parent no"),
    Case("cockpit:teacher", lambda w: f"/cockpit/teacher/{w.user('laoshi').pk}/", allowed="xiao_admin",
         denied="laoshi2", note="drill-down: school admin yes, a colleague no"),
    Case("cockpit:teacher", lambda w: f"/cockpit/teacher/{w.user('laoshi').pk}/", allowed="qu_admin",
         denied="xuesheng", note="district admin drills down; student no"),
    Case("cockpit:my_school", lambda w: "/cockpit/my-school/", allowed="xiao_cio", denied="xuesheng"),
    Case("cockpit:config", lambda w: "/cockpit/config/", allowed="qu_admin", denied="duxue",
         note="indicator config: district admin only"),
    Case("cockpit:config", lambda w: "/cockpit/config/", allowed="qu_admin", denied="xiao_admin",
         note="school admin no"),
    Case("cockpit:config", lambda w: "/cockpit/config/", method="POST", data=lambda w: {"reset": "1"},
         allowed="qu_admin", denied="duxue", note="restore the default indicators: the supervisor reads only"),
    Case("cockpit:config", lambda w: "/cockpit/config/", method="POST", data=lambda w: {"reset": "1"},
         allowed="qu_admin", denied="xiao_cio", note="a school's CIO does not set the district's indicators"),
]

EXEMPT: dict[str, str] = {}
