"""The site: the top layer that puts the apps together.

The home page (each app's panels), the organisation switcher, the journal's search page, the
static pages and the demo programme. It may import every app; no app imports it."""
