"""What a submission may hold, checked the same way for the form and the API: files, options, the HTML
form.
"""
