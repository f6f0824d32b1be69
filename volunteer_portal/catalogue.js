// Never loaded by a page: `makemessages -d djangojs` reads these msgids into
// locale/zh_Hans/LC_MESSAGES/djangojs.po. They are the labels of Django admin's
// many-to-many picker (SelectFilter2.js) that Django's own Chinese catalogue lacks, so
// they showed in English. See catalogue.py beside this file.
/* global gettext */
gettext('Choose %s by selecting them and then select the "Choose" arrow button.');
gettext("Choose all %s");
gettext("Choose selected %s");
gettext("Remove selected %s");
gettext('Remove %s by selecting them and then select the "Remove" arrow button.');
gettext("(click to clear)");
gettext("Remove all %s");
