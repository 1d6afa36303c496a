"""Floors for the modules named by issue 14 (see test_proof.py)."""

FLOORS = {
    "twisted.test.test_defer": 178,
    "twisted.test.test_usage": 40,
    "twisted.test.test_compat": 45,
    "twisted.test.test_iosim": 20,
    "twisted.test.test_reflect": 58,
    "twisted.python.test.test_components": 37,
    "twisted.web.test.test_resource": 16,
    "twisted.web.test.test_web": 94,
    "twisted.web.test.test_template": 50,
    "twisted.web.test.test_static": 88,
    "twisted.web.test.test_http": 230,
}
