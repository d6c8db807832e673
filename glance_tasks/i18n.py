"""oslo.i18n integration: ``_`` marks user-facing strings for translation."""

import oslo_i18n

_translators = oslo_i18n.TranslatorFactory(domain='glance_tasks')

_ = _translators.primary
