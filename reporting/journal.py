from passnum.audit.sentences import register

register(
    {
        "reporting.front_desk.reminded": "{actor} ({organisation}) a relancé l'accueil "
        "{target} : {topic} ({count})",
        "reporting.report.requested": "{actor} ({organisation}) a demandé le {target}",
        "reporting.report.downloaded": "{actor} ({organisation}) a téléchargé le {target}",
        "reporting.export.requested": "{actor} ({organisation}) a demandé l'export de données "
        "personnelles « {kind} » ({format})",
        "reporting.export.downloaded": "{actor} ({organisation}) a téléchargé l'export de "
        "données personnelles « {kind} » ({rows} lignes)",
    }
)
