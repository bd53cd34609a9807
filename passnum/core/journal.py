from passnum.audit.sentences import register

register({})
